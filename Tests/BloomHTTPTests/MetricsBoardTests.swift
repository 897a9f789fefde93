import BloomServiceKit
import BloomSupervisor
import Testing

struct MetricsBoardTests {
    static func families(_ board: MetricsBoard) throws -> [String: MetricFamily] {
        let families = try PrometheusText.parse(board.exposition(supervisorProcess: nil))
        return Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func aReplicaRemovedByScaleDown_keepsItsRestartsInTheCounter() throws {
        let board = MetricsBoard()
        board.update(replicas: [
            .init(service: "bloom-net", replica: 0, up: true, restarts: 1, bootID: 1),
            .init(service: "bloom-net", replica: 1, up: true, restarts: 2, bootID: 2),
        ])
        #expect(try Self.families(board)["bloom_service_restarts_total"]?.samples.first?.value == 3)
        board.update(replicas: [.init(service: "bloom-net", replica: 0, up: true, restarts: 1, bootID: 1)])
        let families = try Self.families(board)
        #expect(families["bloom_service_restarts_total"]?.samples.first?.value == 3)
        #expect(families["bloom_service_up"]?.samples.count == 1)
    }

    @Test func aSnapshotIsDropped_whenItsProcessIsGone() throws {
        let board = MetricsBoard()
        board.update(replicas: [.init(service: "bloom-sync", replica: 0, up: true, restarts: 0, bootID: 5)])
        board.store(service: "bloom-sync", replica: 0, bootID: 5, text: Array("bloom_chain_height 7\n".utf8))
        #expect(try Self.families(board)["bloom_chain_height"]?.samples.first?.value == 7)
        // Killed: no process, so no series; its successor's snapshot is kept once its boot id is known.
        board.update(replicas: [.init(service: "bloom-sync", replica: 0, up: false, restarts: 1, bootID: nil)])
        var families = try Self.families(board)
        #expect(families["bloom_chain_height"] == nil)
        #expect(families["bloom_service_up"]?.samples.first?.value == 0)
        board.store(service: "bloom-sync", replica: 0, bootID: 6, text: Array("bloom_chain_height 8\n".utf8))
        #expect(try Self.families(board)["bloom_chain_height"] == nil)
        board.update(replicas: [.init(service: "bloom-sync", replica: 0, up: true, restarts: 1, bootID: 6)])
        board.store(service: "bloom-sync", replica: 0, bootID: 6, text: Array("bloom_chain_height 8\n".utf8))
        families = try Self.families(board)
        #expect(families["bloom_chain_height"]?.samples.first?.value == 8)
        #expect(families["bloom_chain_height"]?.samples.first?.labels == [
            MetricLabel("service", "bloom-sync"), MetricLabel("replica", "0"),
        ])
    }

    @Test func familiesOfTwoServicesWithTheSameNameAreMerged_andAConflictingTypeIsLeftOut() throws {
        let board = MetricsBoard()
        board.update(replicas: [
            .init(service: "a", replica: 0, up: true, restarts: 0, bootID: 1),
            .init(service: "b", replica: 0, up: true, restarts: 0, bootID: 2),
            .init(service: "c", replica: 0, up: true, restarts: 0, bootID: 3),
        ])
        board.store(service: "a", replica: 0, bootID: 1, text: Array("# TYPE x_total counter\nx_total 1\n".utf8))
        board.store(service: "b", replica: 0, bootID: 2, text: Array("# TYPE x_total counter\nx_total 2\n".utf8))
        board.store(service: "c", replica: 0, bootID: 3, text: Array("# TYPE x_total gauge\nx_total 3\n".utf8))
        let text = board.exposition(supervisorProcess: nil)
        #expect(text.components(separatedBy: "# TYPE x_total").count == 2, "one TYPE line for the merged family")
        let family = try #require(try Self.families(board)["x_total"])
        #expect(family.type == "counter")
        #expect(family.samples.map(\.value) == [1, 2])
    }
}
