import BloomServiceKit
import Foundation
import Testing

/// The multi-process promises under traffic: restarts, scaling and kill -9 of each service while n0 mines and
/// n1 follows. "No block lost": every block seen on n0's main chain before an event is still on both nodes'
/// main chains afterwards, and n1 ends with n0's chain.
extension EndToEndTests {
    /// (height, hash) of n0's main chain now, for the no-loss check.
    private static func record(_ net: E2ENetwork, into seen: inout [Int: String]) {
        if let chain = net[0].chain(), chain.height > 0 { seen[chain.height] = chain.tip }
    }

    /// Every recorded block is on both nodes' main chains, and n1 has n0's block two above the highest record.
    private static func expectNoBlockLost(_ net: E2ENetwork, _ seen: [Int: String]) async throws {
        let top = seen.keys.max() ?? 0
        try await eventually("n1 has n0's block at height \(top + 2)", timeout: 120, log: net[1]) {
            guard let theirs = net[0].hash(atHeight: top + 2) else { return false }
            return net[1].hash(atHeight: top + 2) == theirs
        }
        for (height, hash) in seen.sorted(by: { $0.key < $1.key }) {
            #expect(net[0].hash(atHeight: height) == hash, "n0 lost block \(height)")
            #expect(net[1].hash(atHeight: height) == hash, "n1 lacks block \(height)")
        }
    }

    /// Waits until `service` on `node` runs under a pid other than `old` and every replica is ready.
    private static func waitReplaced(_ node: E2ENode, _ service: String, old: Int32?) async throws {
        try await eventually("\(service) on n\(node.index) replaced and ready", timeout: 90, log: node) {
            guard let pid = node.pid(of: service), pid != old else { return false }
            return node.isReady()
        }
    }

    @Test func restartOfEachService_whileBlocksFlow_losesNoBlock() async throws {
        let net = try E2ENetwork(count: 2, miners: 1, edges: [(1, 0)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("blocks flow", log: net[1]) { net[1].hash(atHeight: 2) != nil }
        var seen: [Int: String] = [:]
        for node in net.nodes {
            for service in Self.services {
                Self.record(net, into: &seen)
                let old = node.pid(of: service)
                let restarted = try node.cli(["restart", service, "--json"])
                #expect(restarted.code == 0, "bloom restart \(service) on n\(node.index): \(restarted.output)")
                try await Self.waitReplaced(node, service, old: old)
                Self.record(net, into: &seen)
            }
        }
        try await Self.expectNoBlockLost(net, seen)
    }

    @Test func scaleNetTo3_thenBackTo1_keepsPeersConnected() async throws {
        let net = try E2ENetwork(count: 3, miners: 1, edges: [(1, 0), (2, 0)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("n0 has both peers", log: net[0]) { net[0].peers().count == 2 }
        let up = try net[0].cli(["scale", "net", "3", "--json"])
        #expect(up.code == 0, "bloom scale net 3: \(up.output)")
        try await eventually("three bloom-net replicas ready", log: net[0]) {
            net[0].services().filter { $0["name"]?.stringValue == "bloom-net" }.count == 3 && net[0].isReady()
        }
        try await eventually("peers still connected with 3 replicas", log: net[0]) {
            net[0].peers().count == 2 && net[1].peers().count == 1 && net[2].peers().count == 1
        }
        let down = try net[0].cli(["scale", "net", "1", "--json"])
        #expect(down.code == 0, "bloom scale net 1: \(down.output)")
        try await eventually("one bloom-net replica left", log: net[0]) {
            net[0].services().filter { $0["name"]?.stringValue == "bloom-net" }.count == 1 && net[0].isReady()
        }
        try await eventually("peers connected to the remaining replica", timeout: 90, log: net[0]) {
            net[0].peers().count == 2 && net[1].peers().count == 1 && net[2].peers().count == 1
        }
        var seen: [Int: String] = [:]
        Self.record(net, into: &seen)
        try await Self.expectNoBlockLost(net, seen)
    }

    @Test func killNineOfEachService_isRestartedBySupervisor_noBlockLost_tipsConverge() async throws {
        // CI: one round (each service killed once on each node); Scripts/e2e --full: five rounds.
        let rounds = fullRun ? 5 : 1
        let net = try E2ENetwork(count: 2, miners: 1, edges: [(1, 0)])
        defer { net.shutdown() }
        try await net.start()
        try await eventually("blocks flow", log: net[1]) { net[1].hash(atHeight: 2) != nil }
        var seen: [Int: String] = [:]
        for _ in 0..<rounds {
            for service in Self.services {
                for node in net.nodes {
                    // Past stable_s (3 s) of readiness, so a kill never counts toward the restart-intensity limit.
                    try await eventually("\(service) on n\(node.index) stable", log: node) {
                        node.services().first { $0["name"]?.stringValue == service }?["uptime_s"]?.numberValue
                            ?? 0 >= 3.5
                    }
                    Self.record(net, into: &seen)
                    let pid = try #require(node.pid(of: service))
                    kill(pid, SIGKILL)
                    try await Self.waitReplaced(node, service, old: pid)
                    Self.record(net, into: &seen)
                }
            }
        }
        try await Self.expectNoBlockLost(net, seen)
    }
}
