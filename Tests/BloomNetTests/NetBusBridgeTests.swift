import BloomBus
import BloomNet
import BloomTestSupport
import BloomWire
import Foundation
import NIOPosix
import Testing

/// The bridge against the in-memory bus double, with the real node and real TCP peers.
@Suite("NetBusBridge: bus topics ↔ the node", .serialized, .dedicatedThread)
struct NetBusBridgeTests {
    /// A node whose sink is the bridge, and a second bus member playing the other services.
    final class BridgedNode {
        let hub = InMemoryBusHub()
        let netBus: InMemoryBus
        let other: InMemoryBus
        let bridge: NetBusBridge
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let node: NetNode
        let port: Int
        let host: String
        var runner: Task<Void, Never>?

        init(host: String, configure: (inout NetConfiguration) -> Void = { _ in }) throws {
            self.host = host
            netBus = hub.connect(as: SenderID(service: .net, replica: 0, bootID: 0x10))
            other = hub.connect(as: SenderID(service: .sync, replica: 0, bootID: 0x20))
            bridge = NetBusBridge(bus: netBus)
            bridge.subscribe()
            var configuration = NetConfiguration()
            configuration.bindHost = host
            configuration.port = 0
            configuration.tickInterval = 0.05
            configure(&configuration)
            node = NetNode(configuration: configuration, eventLoop: group.next(), sink: bridge)
            port = try node.start().wait()
            let (bridge, node) = (bridge, node)
            runner = bridge.start(node: node)
        }

        deinit {
            netBus.stop()
            runner?.cancel()
            try? node.shutdown().wait()
            try? group.syncShutdownGracefully()
        }

        /// Published messages matching `predicate`, once there are at least `count` (bounded wait).
        func published(atLeast count: Int = 1, _ predicate: (BusMessage) -> Bool) -> [BusMessage] {
            for _ in 0..<1_500 {
                let found = hub.history.filter(predicate)
                if found.count >= count { return found }
                usleep(10_000)
            }
            return hub.history.filter(predicate)
        }

        func connectedPeer(address: String) -> PeerID? {
            published {
                guard $0.topic == .p2pPeer, case .connected(let c)? = try? $0.decode(PeerEvent.self) else {
                    return false
                }
                return c.address == address
            }.compactMap { message -> PeerID? in
                if case .connected(let c)? = try? message.decode(PeerEvent.self) { return c.peer }
                return nil
            }.first
        }
    }

    @Test("a peer's frames appear as p2p.in.<TYPE> with its peer id; p2p.peer connected carries its VERSION")
    func framesAndPeerEvents_published() throws {
        let node = try BridgedNode(host: "127.0.8.1")
        let peer = try TestPeer(from: "127.0.9.1", to: node.host, port: node.port)
        try peer.handshake(height: 33, port: 9_401)
        let id = try #require(node.connectedPeer(address: "127.0.9.1:9401"))
        #expect(id.replica == 0)
        #expect(id.bootID == node.node.configuration.bootID & 0xFF_FFFF)
        let event = node.published { $0.topic == .p2pPeer }.first
        if case .connected(let c)? = try event?.decode(PeerEvent.self) {
            #expect(c.height == 33)
            #expect(c.listenPort == 9_401)
            #expect(c.services == ServiceFlags.node.rawValue)
            #expect(c.direction == .inbound)
        } else {
            Issue.record("no connected event")
        }
        try peer.send(Wire.phase() + Wire.frame(.coherence, [0, 0, 0, 0x3F, 0, 0, 0, 0]))
        let coherence = try #require(node.published { $0.topic == Topic.p2pIn("COHERENCE") }.first)
        #expect(coherence.envelope.peerID == id)
        #expect(coherence.envelope.sender == node.netBus.sender)
        #expect(coherence.payload == [0, 0, 0, 0x3F, 0, 0, 0, 0])
        #expect(node.published { $0.topic == Topic.p2pIn("PHASE") }.count == 1)
    }

    @Test("p2p.out unicast, broadcast and broadcast-except reach the right sockets")
    func p2pOut_targets() throws {
        let node = try BridgedNode(host: "127.0.8.2")
        var peers: [(TestPeer, PeerID)] = []
        for i in 0..<3 {
            let peer = try TestPeer(from: "127.0.9.\(10 + i)", to: node.host, port: node.port)
            try peer.handshake(port: 9_410)
            peers.append((peer, try #require(node.connectedPeer(address: "127.0.9.\(10 + i):9410"))))
        }
        node.other.publish(.p2pOut, P2POut(messageType: 0x21, target: .peer(peers[2].1), payload: []))
        node.other.publish(
            .p2pOut,
            P2POut(messageType: 0x22, target: .allExcept(peers[1].1), payload: [UInt8](repeating: 0, count: 8))
        )
        node.other.publish(.p2pOut, P2POut(messageType: 0x14, target: .all, payload: [7]))
        #expect(peers[0].0.readFrames(until: .tx)?.map(\.type) == [.coherence, .tx])
        #expect(peers[1].0.readFrames(until: .tx)?.map(\.type) == [.tx])
        #expect(peers[2].0.readFrames(until: .tx)?.map(\.type) == [.getPhase, .coherence, .tx])
    }

    @Test("a bloom-sync heartbeat carrying the tip sets our VERSION height without any chain.tip edge")
    func syncHeartbeatTip_setsVersionHeight() throws {
        let node = try BridgedNode(host: "127.0.8.4")
        let heartbeat = Heartbeat(
            service: "bloom-sync", replica: 0, pid: 1, bootID: 5, state: .ready,
            tip: ChainTip(height: 2_000, hash: .zero, parentHash: .zero, certificateHash: .zero)
        )
        var height: UInt32 = 0
        for i in 0..<50 where height != 2_000 {
            node.other.publish(.serviceHeartbeat, heartbeat)
            let b = try TestPeer(from: "127.0.9.\(100 + i)", to: node.host, port: node.port)
            if let frame = b.readFrame(),
                case .version(let v)? = try? PeerMessage(type: .version, payload: frame.payload)
            {
                height = v.height
            }
        }
        #expect(height == 2_000)
    }

    @Test("p2p.ctl penalise to 10 bans; disconnect publishes the reason; chain.tip sets our VERSION height")
    func p2pCtl_andChainTip() throws {
        let node = try BridgedNode(host: "127.0.8.3")
        node.other.publish(.chainTip, ChainTip(height: 77, hash: .zero, parentHash: .zero, certificateHash: .zero))
        let a = try TestPeer(from: "127.0.9.20", to: node.host, port: node.port)
        // The tip may arrive after this connection started; a later one must carry it.
        _ = try a.handshake(port: 9_420)
        let aID = try #require(node.connectedPeer(address: "127.0.9.20:9420"))
        node.other.publish(.p2pControl, P2PControl.penalise(peer: aID, points: 10, reason: "invalid block"))
        #expect(a.waitForClose())
        let bans = try node.node.activeBans().wait()
        #expect(bans.map(\.ip) == ["127.0.9.20"])

        var height: UInt32 = 0
        for i in 0..<50 where height != 77 {
            let b = try TestPeer(from: "127.0.9.\(30 + i)", to: node.host, port: node.port)
            if let frame = b.readFrame(),
                case .version(let v)? = try? PeerMessage(type: .version, payload: frame.payload)
            {
                height = v.height
            }
        }
        #expect(height == 77)

        let c = try TestPeer(from: "127.0.9.21", to: node.host, port: node.port)
        _ = try c.handshake(port: 9_421)
        let cID = try #require(node.connectedPeer(address: "127.0.9.21:9421"))
        node.other.publish(.p2pControl, P2PControl.disconnect(peer: cID, reason: "stalled"))
        #expect(c.waitForClose())
        let gone = node.published {
            guard $0.topic == .p2pPeer, case .disconnected(let p, _)? = try? $0.decode(PeerEvent.self) else {
                return false
            }
            return p == cID
        }.first
        if case .disconnected(_, let reason)? = try gone?.decode(PeerEvent.self) {
            #expect(reason == "requested: stalled")
        } else {
            Issue.record("no disconnected event")
        }
    }

    @Test("p2p.ctl connect dials the address; a service that says hello gets every peer re-announced")
    func ctlConnect_andRepublish() throws {
        let listener = try TestListener(host: "127.0.9.40")
        let node = try BridgedNode(host: "127.0.8.4")
        node.other.publish(.p2pControl, P2PControl.connect(address: "127.0.9.40:\(listener.port)"))
        let peer = try #require(listener.accept())
        #expect(peer.readFrame()?.type == .version)
        try peer.send(Wire.verack)
        let id = try #require(node.connectedPeer(address: "127.0.9.40:\(listener.port)"))
        let restarted = node.hub.connect(as: SenderID(service: .sync, replica: 0, bootID: 0x21))
        restarted.sayHello()
        let announcements = node.published(atLeast: 2) {
            guard $0.topic == .p2pPeer, case .connected(let c)? = try? $0.decode(PeerEvent.self) else { return false }
            return c.peer == id
        }
        #expect(announcements.count >= 2)
    }

    @Test("the peers query answer is {\"peers\": [...]} with the documented fields")
    func peersQuery_json() throws {
        let node = try BridgedNode(host: "127.0.8.5")
        let peer = try TestPeer(from: "127.0.9.50", to: node.host, port: node.port)
        try peer.handshake(height: 4, port: 9_450)
        let id = try #require(node.connectedPeer(address: "127.0.9.50:9450"))
        let json = try node.node.peersJSON().wait()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let peers = try #require(object["peers"] as? [[String: Any]])
        let row = try #require(peers.first)
        #expect(row["id"] as? String == id.hex)
        #expect(row["address"] as? String == "127.0.9.50:9450")
        #expect(row["direction"] as? String == "in")
        #expect(row["height"] as? Int == 4)
        for key in ["handshake_time", "bytes_in", "bytes_out", "penalty", "last_message"] {
            #expect(row[key] != nil, "missing \(key)")
        }
    }
}
