import BloomServiceKit
import Foundation
import Testing

/// `/metrics` of a real node: every series of issue 13 with its labels, the chain height equal to `bloom chain`'s,
/// and a kill -9 counted as one restart.
extension EndToEndTests {
    /// The series operators and alert rules depend on, and the services that must export each.
    static let requiredSeries: [(name: String, services: [String])] = [
        ("bloom_service_up", ["bloom-net", "bloom-sync", "bloom-gossip"]),
        ("bloom_service_restarts_total", ["bloom-net", "bloom-sync", "bloom-gossip"]),
        ("bloom_chain_height", ["bloom-sync"]),
        ("bloom_sync_progress", ["bloom-sync"]),
        ("bloom_peers", ["bloom-net"]),
        ("bloom_p2p_messages_total", ["bloom-net"]),
        ("bloom_p2p_bytes_total", ["bloom-net"]),
        ("bloom_peer_bans_total", ["bloom-net"]),
        ("bloom_misbehaviour_points_total", ["bloom-net"]),
        ("bloom_coherence_r", ["bloom-gossip"]),
        ("bloom_gossip_phases_received_total", ["bloom-gossip"]),
        ("bloom_blocks_accepted_total", ["bloom-sync"]),
        ("bloom_blocks_rejected_total", ["bloom-sync"]),
        ("bloom_blocks_sealed_total", ["bloom-gossip"]),
        ("bloom_mining_attempts_total", ["bloom-gossip"]),
        ("bloom_mempool_transactions", ["bloom-sync"]),
        ("bloom_bus_messages_total", ["bloom-net", "bloom-sync", "bloom-gossip"]),
        ("bloom_bus_dropped_total", ["bloom-net", "bloom-sync", "bloom-gossip"]),
        ("bloom_block_validation_seconds", ["bloom-sync"]),
        ("process_resident_memory_bytes", ["bloom-supervisor", "bloom-net", "bloom-sync", "bloom-gossip"]),
        ("process_cpu_seconds_total", ["bloom-supervisor", "bloom-net", "bloom-sync", "bloom-gossip"]),
        ("process_open_fds", ["bloom-supervisor", "bloom-net", "bloom-sync", "bloom-gossip"]),
    ]

    /// The value of `name` for `service`'s replica 0 (labels beyond those ignored: the first match).
    static func value(_ families: [MetricFamily], _ name: String, service: String, where extra: [String: String] = [:])
        -> Double?
    {
        families.first { $0.name == name }?.samples.first { sample in
            sample.label("service") == service
                && (sample.label("replica") ?? "0") == "0"
                && extra.allSatisfy { sample.label($0.key) == $0.value }
        }?.value
    }

    @Test func metrics_listEverySeries_heightMatchesBloomChain_killNineCountsOneRestart() async throws {
        let net = try E2ENetwork(count: 2, miners: 1, edges: [(1, 0)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("n1 has block 2", timeout: 120, log: net[1]) { net[1].hash(atHeight: 2) != nil }
        let node = net[1]
        try await eventually("n1's bloom_peers shows its outbound peer", log: node) {
            Self.value(node.metrics(), "bloom_peers", service: "bloom-net", where: ["direction": "outbound"]) == 1
        }
        // The miner goes away: n1's chain stands still, so its height can be compared across two answers.
        net[0].stop()
        var families: [MetricFamily] = []
        try await eventually("every series on /metrics", log: node) {
            families = node.metrics()
            return Self.requiredSeries.allSatisfy { series in
                guard let family = families.first(where: { $0.name == series.name }) else { return false }
                return series.services.allSatisfy { service in
                    family.samples.contains { $0.label("service") == service }
                }
            }
        }
        for family in families where family.name.hasPrefix("bloom_") || family.name.hasPrefix("process_") {
            #expect(!family.help.isEmpty, "\(family.name) has no HELP")
            for sample in family.samples where family.name != "bloom_service_restarts_total"
                && family.name != "bloom_metrics_snapshot_errors"
            {
                #expect(sample.label("service") != nil && sample.label("replica") != nil, "\(sample.name) \(sample.labels)")
            }
        }
        #expect(families.first { $0.name == "bloom_block_validation_seconds" }?.type == "histogram")
        try await eventually("bloom_chain_height equals bloom chain --json's height", log: node) {
            guard let chain = node.chain(), chain.height >= 2 else { return false }
            return Self.value(node.metrics(), "bloom_chain_height", service: "bloom-sync") == Double(chain.height)
        }
        let cli = try node.cli(["chain", "--json"])
        let height = try JSONValue.decode(Array(cli.output.utf8))["height"]?.numberValue
        #expect(Self.value(node.metrics(), "bloom_chain_height", service: "bloom-sync") == height)

        // kill -9 of bloom-sync: its restart counter goes up by exactly one, and it is up again.
        try await eventually("bloom-sync stable", log: node) {
            node.services().first { $0["name"]?.stringValue == "bloom-sync" }?["uptime_s"]?.numberValue ?? 0 >= 3.5
        }
        let before = try #require(Self.value(node.metrics(), "bloom_service_restarts_total", service: "bloom-sync"))
        let pid = try #require(node.pid(of: "bloom-sync"))
        kill(pid, SIGKILL)
        try await eventually("bloom-sync replaced and ready", timeout: 90, log: node) {
            guard let now = node.pid(of: "bloom-sync"), now != pid else { return false }
            return node.isReady()
        }
        // The board follows the supervisor's loop within a fraction of a second: wait for the evidence, then check
        // that it counts exactly one restart and that the new process reports again.
        var after: Double?
        try await eventually("the restart counted and bloom-sync's series back", log: node) {
            let metrics = node.metrics()
            after = Self.value(metrics, "bloom_service_restarts_total", service: "bloom-sync")
            return (after ?? 0) > before && Self.value(metrics, "bloom_service_up", service: "bloom-sync") == 1
                && Self.value(metrics, "bloom_chain_height", service: "bloom-sync") != nil
        }
        #expect(after == before + 1)
    }
}
