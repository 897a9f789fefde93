@testable import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

@Suite("Publishing in batches: order, numbering and the bounded queue")
struct BatchPublishTests {
    static let topic = Topic("test.batch")

    static func payload(_ index: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(index).littleEndian) { Array($0) }
    }

    @Test("slices, arrays and non-contiguous sequences published in batches arrive in order, numbered consecutively")
    func batches_ofEveryKind_arriveInOrder() async throws {
        let mock = try MockBus()
        let publisher = try await mock.makeClient(as: .newBoot(service: .net))
        let subscriber = try await mock.makeClient(as: .newBoot(service: .sync))
        subscriber.subscribe(Self.topic)
        try await mock.waitForSubscription(Self.topic)
        let all = (0..<300).map { OutgoingBusMessage(topic: Self.topic, payload: Self.payload($0)) }
        var queued = 0
        queued += publisher.publish(contentsOf: all[0..<100])
        queued += publisher.publish(contentsOf: Array(all[100..<200]))
        // A lazy map has no contiguous storage: the generic path.
        queued += publisher.publish(contentsOf: (200..<300).lazy.map { all[$0] })
        #expect(queued == all.count)
        let received = try await withHangGuard {
            var iterator = subscriber.messages.makeAsyncIterator()
            var received: [BusMessage] = []
            while received.count < all.count, let message = await iterator.next() { received.append(message) }
            return received
        }
        #expect(received.map(\.payload) == all.map(\.payload))
        #expect(received.map(\.envelope.sequence) == (1...UInt64(all.count)).map { $0 })
        #expect(subscriber.statistics.dropped == 0)
        publisher.stop()
        subscriber.stop()
    }

    @Test("a batch is taken whole into an empty queue, cut at the bound otherwise, and the excess is counted")
    func submitBatch_respectsTheBound() throws {
        let shared = try SocketLoopShared<Int>(configuration: .init(name: "test.bound", maxQueuedCommands: 5))
        #expect(shared.submit(batch: [1, 2, 3]) == 3)
        #expect(shared.submit(batch: [4, 5, 6, 7]) == 2)
        #expect(shared.droppedCommands.load(ordering: .relaxed) == 2)
        #expect(shared.submit(contentsOf: [8]) == 0)
        #expect(shared.droppedCommands.load(ordering: .relaxed) == 3)
        var taken: [Int] = []
        var later: [[Int]] = []
        #expect(shared.take(into: &taken, later: &later) == false)
        #expect(taken + later.joined() == [1, 2, 3, 4, 5])
        // Drained: room again. Singles and batches interleaved keep their order.
        #expect(shared.submit(batch: [9]) == 1)
        #expect(shared.submit(contentsOf: [10, 11]) == 2)
        #expect(shared.submit(12))
        #expect(shared.submit(batch: []) == 0)
        #expect(shared.submit(13))
        #expect(shared.submit(batch: [14]) == 0)
        var next: [Int] = []
        var nextLater: [[Int]] = []
        _ = shared.take(into: &next, later: &nextLater)
        #expect(next + nextLater.joined() == [9, 10, 11, 12, 13])
    }

    @Test("after a stop request a batch is refused and counted")
    func submitBatch_afterStop_isRefused() throws {
        let shared = try SocketLoopShared<Int>(configuration: .init(name: "test.stop", maxQueuedCommands: 5))
        shared.requestStop()
        #expect(shared.submit(batch: [1, 2]) == 0)
        #expect(shared.droppedCommands.load(ordering: .relaxed) == 2)
        var taken: [Int] = []
        var later: [[Int]] = []
        #expect(shared.take(into: &taken, later: &later) == true)
        #expect(taken.isEmpty && later.isEmpty)
    }
}
