import BloomBus
import BloomNet
import BloomTestSupport
import BloomWire
import Foundation
import Testing

/// bloom-net and the "bring a new boot id up to date" rule (issue 12, ``ServiceHello``), and the replica count
/// learnt while running (`svc.replicas`).
@Suite("bloom-net: bringing restarted services up to date; replica count at run time", .serialized, .dedicatedThread)
struct NetRestartTests {
    typealias BridgedNode = NetBusBridgeTests.BridgedNode

    @Test("a hello re-announces a peer that said nothing since its handshake, with its VERSION height and services")
    func hello_reannouncesSilentPeers_withVersionFacts() throws {
        // Given a peer that completed its handshake (height 250, bulk sync) and then sent nothing.
        let node = try BridgedNode(host: "127.0.8.20")
        let peer = try TestPeer(from: "127.0.9.120", to: node.host, port: node.port)
        let services: ServiceFlags = [.largeFrames, .bulkSync]
        _ = try peer.handshake(height: 250, port: 9_520, services: services)
        let id = try #require(node.connectedPeer(address: "127.0.9.120:9520"))

        // When a restarted bloom-sync says hello.
        node.hub.connect(as: SenderID(service: .sync, replica: 0, bootID: 0x99)).sayHello()

        // Then the peer is announced again, as at its handshake.
        let announced = node.published(atLeast: 2) {
            guard $0.topic == .p2pPeer, case .connected(let c)? = try? $0.decode(PeerEvent.self) else { return false }
            return c.peer == id
        }
        #expect(announced.count >= 2)
        guard let last = announced.last, case .connected(let again) = try last.decode(PeerEvent.self) else {
            Issue.record("no re-announcement")
            return
        }
        #expect(again.height == 250)
        #expect(again.services == services.rawValue)
        #expect(again.listenPort == 9_520)
        #expect(again.address == "127.0.9.120:9520")
    }

    @Test("svc.replicas: a running replica learns a scale down and dials the addresses it now owns, then a scale up")
    func replicaCount_learntAtRunTime_resplitsTheDials() throws {
        // Given replica 0 of 3 with --connect addresses of which at least one belongs to another replica.
        var listeners: [TestListener] = []
        var index = 0
        while index < 40 && (listeners.count < 3 || listeners.allSatisfy({ Self.owned($0, count: 3) })) {
            listeners.append(try TestListener(host: "127.0.9.\(160 + index)"))
            index += 1
        }
        let foreign = listeners.filter { !Self.owned($0, count: 3) }
        try #require(!foreign.isEmpty)
        let node = try BridgedNode(host: "127.0.8.21") { configuration in
            configuration.replica = 0
            configuration.replicaCount = 3
            configuration.maxOutbound = 64
            configuration.connect = listeners.compactMap { PeerEndpoint(parsing: "\($0.host):\($0.port)") }
        }
        #expect(try node.node.currentReplicaCount().wait() == 3)

        // When the supervisor publishes that bloom-net now runs one replica (bloom scale bloom-net 1).
        node.other.publish(.serviceReplicas, ServiceReplicas(counts: ["bloom-net": 1, "bloom-sync": 1]))

        // Then the running replica dials the addresses that belonged to the others.
        for listener in foreign {
            let dialled = listener.accept()
            #expect(dialled != nil, "\(listener.host) not dialled after the scale down")
            #expect(dialled?.readFrame()?.type == .version)
        }
        #expect(try node.node.currentReplicaCount().wait() == 1)

        // And a scale up is learnt too (counts for other services are not ours).
        node.other.publish(.serviceReplicas, ServiceReplicas(counts: ["bloom-net": 4, "bloom-gossip": 2]))
        var count = 0
        for _ in 0..<1_500 where count != 4 {
            count = try node.node.currentReplicaCount().wait()
            if count != 4 { usleep(10_000) }
        }
        #expect(count == 4)
    }

    static func owned(_ listener: TestListener, count: Int) -> Bool {
        guard let endpoint = PeerEndpoint(parsing: "\(listener.host):\(listener.port)") else { return false }
        return OutboundPlanner.owns(endpoint, replica: 0, count: count)
    }
}
