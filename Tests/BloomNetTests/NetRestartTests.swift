import BloomBus
import BloomNet
import BloomWire
import Foundation
import Testing

/// bloom-net and the "bring a new boot id up to date" rule (issue 12, ``ServiceHello``).
@Suite("bloom-net: bringing restarted services up to date", .serialized)
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
}
