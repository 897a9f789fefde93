import BloomBus
import BloomNet
import BloomTestSupport
import BloomWire
import Testing

/// Real TCP on loopback: each test runs its own node on its own address and plays peers with plain sockets.
@Suite("bloom-net over TCP: handshake and the bus side", .serialized, .dedicatedThread)
struct TCPHandshakeTests {
    @Test("peer dials us and sends VERSION first (reference order): our VERSION and VERACK, connected, frames flow")
    func inbound_referenceOrder() throws {
        let node = try NodeHarness(host: "127.0.1.1")
        let peer = try TestPeer(from: "127.0.2.1", to: node.host, port: node.port)
        try peer.send(Wire.version(height: 12, port: 17_619))
        let ours = try #require(peer.readFrame())
        #expect(ours.type == .version)
        #expect(ours.payload.count == VersionMessage.extendedSize)
        #expect(peer.readFrame()?.type == .verack)
        let id = try #require(node.sink.connected(address: "127.0.2.1:17619"))
        try peer.send(Wire.phase() + Wire.frame(.getPhase))
        let frames = try #require(node.sink.messages(from: id, through: .getPhase))
        #expect(frames.map(\.type) == [.phase, .getPhase])
        let snapshot = try #require(node.snapshot(id))
        #expect(snapshot.height == 12)
        #expect(snapshot.direction == "in")
        #expect(snapshot.services == 0)
    }

    @Test("a Swift peer: both VERSIONs cross, large frames negotiated, escape frames arrive whole")
    func inbound_swiftPeer_largeFrames() throws {
        let node = try NodeHarness(host: "127.0.1.2")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.2.2", port: 9_002))
        let big = [UInt8](repeating: 7, count: 300_000)
        try peer.send(Wire.escapeFrame(.block, realLength: UInt32(big.count), payload: big))
        let frames = try #require(node.sink.messages(from: id, atLeast: 1))
        #expect(frames.first?.payload == big)
        node.node.send(type: .block, payload: big, to: .one(id))
        #expect(peer.readFrame()?.payload == big)
    }

    @Test("we dial a reference acceptor: it answers our VERSION with VERACK only; connected with height 0")
    func outbound_referenceAcceptor() throws {
        let listener = try TestListener(host: "127.0.2.3")
        let node = try NodeHarness(host: "127.0.1.3") {
            $0.connect = [PeerEndpoint(host: "127.0.2.3", port: listener.port)]
        }
        let peer = try #require(listener.accept())
        #expect(peer.readFrame()?.type == .version)
        try peer.send(Wire.verack)
        let id = try #require(node.sink.connected(address: "127.0.2.3:\(listener.port)"))
        let snapshot = try #require(node.snapshot(id))
        #expect(snapshot.height == 0)
        #expect(snapshot.direction == "out")
        node.node.send(type: .getPhase, payload: [], to: .one(id))
        #expect(peer.readFrame()?.type == .getPhase)
    }

    @Test("p2p.out: unicast reaches one peer, broadcast all, broadcast-except all but one")
    func send_targets() throws {
        let node = try NodeHarness(host: "127.0.1.4")
        var peers: [(TestPeer, PeerID)] = []
        for i in 0..<3 { peers.append(try #require(try node.handshakenPeer(from: "127.0.2.\(10 + i)", port: 9_010))) }
        node.node.send(type: .getPhase, payload: [], to: .one(peers[1].1))
        node.node.send(type: .coherence, payload: [0, 0, 0, 0, 0, 0, 0, 0], to: .allExcept(peers[0].1))
        node.node.send(type: .tx, payload: [1], to: .all)
        #expect(peers[0].0.readFrames(until: .tx)?.map(\.type) == [.tx])
        #expect(peers[1].0.readFrames(until: .tx)?.map(\.type) == [.getPhase, .coherence, .tx])
        #expect(peers[2].0.readFrames(until: .tx)?.map(\.type) == [.coherence, .tx])
    }

    @Test("VERSION twice: one VERACK only, no penalty")
    func versionTwice_oneVerack() throws {
        let node = try NodeHarness(host: "127.0.1.5")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.2.5", port: 9_005))
        try peer.send(Wire.version(height: 50, port: 9_005, services: .node) + Wire.frame(.getPhase))
        _ = try #require(node.sink.messages(from: id, through: .getPhase))
        node.node.send(type: .tx, payload: [9], to: .one(id))
        #expect(peer.readFrames(until: .tx)?.map(\.type) == [.tx])
        #expect(node.snapshot(id)?.penalty == 0)
        #expect(node.snapshot(id)?.height == 1)
    }

    @Test("p2p.ctl disconnect closes the peer with the reason; the peers query then omits it")
    func ctlDisconnect() throws {
        let node = try NodeHarness(host: "127.0.1.6")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.2.6", port: 9_006))
        node.node.disconnect(id, reason: "sync asked")
        #expect(peer.waitForClose())
        #expect(node.sink.disconnected(id) == .requested("sync asked"))
        #expect(node.snapshot(id) == nil)
    }

    @Test("frames split across writes, and several frames in one write, are all delivered in order")
    func splitAndCoalescedFrames() throws {
        let node = try NodeHarness(host: "127.0.1.9")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.2.9", port: 9_009))
        let phase = Wire.phase()
        try peer.send(Array(phase.prefix(1)))
        try peer.send(Array(phase.dropFirst().prefix(10)))
        try peer.send(Array(phase.dropFirst(11)) + Wire.frame(.tx, [1]) + Wire.frame(.getPhase))
        #expect(node.sink.messages(from: id, through: .getPhase)?.map(\.type) == [.phase, .tx, .getPhase])
    }

    @Test("republish: every established peer is announced again")
    func republishConnected() throws {
        let node = try NodeHarness(host: "127.0.1.7")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.2.7", port: 9_007))
        node.node.republishConnected()
        defer { withExtendedLifetime(peer) {} }
        let count = node.sink.wait { events in
            let n = events.filter { if case .connected(let s, _) = $0 { s.id == id.hex } else { false } }.count
            return n >= 2 ? n : nil
        }
        #expect(count == 2)
    }
}

@Suite("bloom-net over TCP: shutdown", .serialized, .dedicatedThread)
struct TCPShutdownTests {
    @Test("shutdown: frames queued for a peer reach it before the close")
    func shutdown_flushesQueuedFrames() throws {
        let node = try NodeHarness(host: "127.0.1.8")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.2.8", port: 9_008))
        let payload = [UInt8](repeating: 9, count: 60_000)
        for _ in 0..<40 { node.node.send(type: .tx, payload: payload, to: .one(id)) }
        node.node.send(type: .getPhase, payload: [], to: .one(id))
        // Nothing has been read yet: most of the 2.4 MB is still queued in the node when it shuts down.
        let stopped = node.node.shutdown()
        let frames = peer.readFrames(until: .getPhase)
        #expect(frames?.count == 41)
        #expect(peer.waitForClose())
        try stopped.wait()
    }
}
