import BloomServiceKit
import Foundation
import Testing

/// Issue 17's scenario across hosts: host A runs the bus forwarder, bloom-sync and bloom-gossip; hosts B and C run
/// only bloom-net, joining A's bus with CURVE; N is the rest of the network (a whole node that mines) and D a
/// stranger whose key A does not list. Each host is a network namespace on a bridge; where namespaces cannot be made,
/// the same scenario runs on loopback addresses (without the degraded link, which needs a link of B's own).
extension EndToEndTests {
    @Test func nodeSplitOverHosts_syncsThroughItsEdges_survivesADegradedLinkAndALostEdge() async throws {
        let made = CrossHostNetwork.make()
        if let reason = made.reason { print("cross-host test: no network namespaces (\(reason)): on loopback") }
        let hosts = made.network
        defer { hosts?.teardown() }
        let net = try E2ENetwork(count: 0)
        defer { net.shutdown() }
        let names = ["A", "B", "C", "N", "D"]
        for index in names.indices {
            let node = try E2ENode(index: index, root: net.root, mine: names[index] == "N", host: try hosts?.addHost(index))
            net.adopt(node)
        }
        let (hub, edgeB, edgeC, network, stranger) = (net[0], net[1], net[2], net[3], net[4])
        let busPort = hosts == nil ? try freePortPair(on: hub.address) : 7700
        let bus = "tcp://\(hub.address):\(busPort)"
        hub.extraArguments = ["--services", "sync,gossip", "--bus-bind", bus]
        hub.expectedServices = ["bloom-sync", "bloom-gossip"]
        try await net.start([0, 3])
        let serverKey = try #require(
            try String(contentsOfFile: hub.dataDirectory + "/keys/bus.pub", encoding: .utf8)
                .split(separator: "\n").last.map(String.init)
        )
        for (node, authorized) in [(edgeB, true), (edgeC, true), (stranger, false)] {
            let made = try node.cli(["keygen", "--json"])
            let key = try #require(try JSONValue.decode(Array(made.output.utf8))["publicKey"]?.stringValue)
            if authorized {
                try "\(key)\n".write(
                    toFile: hub.dataDirectory + "/keys/authorized/n\(node.index)",
                    atomically: true,
                    encoding: .utf8
                )
            }
            node.extraArguments = ["--services", "net", "--bus-connect", bus, "--bus-server-key", serverKey]
            node.connect = [network.endpoint]
            try node.start()
        }

        // A syncs N's chain through its edges.
        try await eventually("N mines block 3", timeout: 120, log: network) { network.hash(atHeight: 3) != nil }
        try await eventually("A has N's chain through B and C", timeout: 120, log: hub) {
            guard let tip = network.chain(), tip.height >= 3 else { return false }
            return hub.hash(atHeight: tip.height) == tip.tip
        }
        try await eventually("A lists both edges' bloom-net", timeout: 60, log: hub) {
            hub.services().filter { $0["name"]?.stringValue == "bloom-net" && $0["remote"] == .bool(true) }.count == 2
        }

        // B's link degraded: nothing restarts anywhere, and blocks still arrive at A (10 of them in the full run).
        if let hosts {
            let how = try hosts.degrade(1)
            print("cross-host test: B's link degraded: \(how)")
            let pids = [edgeB.pid(of: "bloom-net"), edgeC.pid(of: "bloom-net"), hub.pid(of: "bloom-sync")]
            let height = hub.chain()?.height ?? 0
            try await eventually("blocks still reach A over the degraded link", timeout: 180, log: hub) {
                (hub.chain()?.height ?? 0) >= height + (fullRun ? 10 : 2)
            }
            #expect(
                [edgeB.pid(of: "bloom-net"), edgeC.pid(of: "bloom-net"), hub.pid(of: "bloom-sync")] == pids,
                "a service restarted while B's link was degraded"
            )
            hosts.restore(1)
        }

        // Full run: B's link cut for 30 s (not a process killed): A follows N through C, B restarts nothing, and
        // once the link is back B's bloom-net is on A's bus again without anyone restarting it.
        if fullRun, let hosts {
            let edgePid = edgeB.pid(of: "bloom-net")
            try hosts.cut(1)
            let height = network.chain()?.height ?? 0
            try await eventually("A follows N through C while B's link is cut", timeout: 120, log: hub) {
                guard let tip = network.chain(), tip.height >= height + 3 else { return false }
                return hub.hash(atHeight: tip.height) == tip.tip
            }
            try await Task.sleep(for: .seconds(30))
            try hosts.reconnect(1)
            try await eventually("B's bloom-net is back on A's bus", timeout: 120, log: edgeB) {
                edgeB.logTail(50_000).contains("bus reachable again")
                    && hub.services().contains { $0["remote"] == .bool(true) && $0["pid"]?.numberValue.map { Int32($0) } == edgePid }
            }
            #expect(edgeB.pid(of: "bloom-net") == edgePid, "B restarted its bloom-net while its link was cut")
        }

        // B is lost whole: A stays on the network through C.
        edgeB.kill()
        let height = network.chain()?.height ?? 0
        try await eventually("A follows N through C alone", timeout: 120, log: hub) {
            guard let tip = network.chain(), tip.height >= height + 2 else { return false }
            return hub.hash(atHeight: tip.height) == tip.tip
        }

        // D's key is not listed: it is logged, and nothing of it reaches A's bus.
        try await eventually("A logs D's refused key", timeout: 60, log: hub) {
            hub.logTail(400_000).contains("refused a bus client")
        }
        let strangerPid = stranger.services().first { $0["remote"] != .bool(true) }?["pid"]
        #expect(!hub.services().contains { $0["remote"] == .bool(true) && $0["pid"] == strangerPid })
        #expect(stranger.services().first { $0["remote"] != .bool(true) }?["state"]?.stringValue != "ready")
    }
}
