import BloomNet
import BloomTestSupport
import BloomWire
import Foundation
import Testing

/// Each bad input of issue 4 on its own connection; after each, the node still serves a well-behaved peer.
@Suite("bloom-net over TCP: bad input", .serialized, .dedicatedThread)
struct TCPBadInputTests {
    /// A good peer on another address is still served: a frame it sends arrives, a frame sent to it arrives.
    private func expectStillServing(_ node: NodeHarness, from host: String) throws {
        let (peer, id) = try #require(try node.handshakenPeer(from: host, port: 9_999))
        try peer.send(Wire.frame(.getPhase))
        #expect(node.sink.messages(from: id, through: .getPhase) != nil)
        node.node.send(type: .tx, payload: [1], to: .one(id))
        #expect(peer.readFrame()?.type == .tx)
    }

    private func disconnectReason(_ node: NodeHarness, address: String) -> DisconnectReason? {
        node.sink.wait { events in
            for case .disconnected(_, let a, let reason) in events where a == address { return reason }
            return nil
        }
    }

    @Test("truncated frame then close: disconnected as framing, no ban")
    func truncatedFrameThenClose() throws {
        let node = try NodeHarness(host: "127.0.3.1")
        let (peer, _) = try #require(try node.handshakenPeer(from: "127.0.4.1", port: 9_101))
        try peer.send(Array(Wire.phase().prefix(30)))
        peer.shutdownWrite()
        #expect(peer.waitForClose())
        #expect(disconnectReason(node, address: "127.0.4.1:9101")?.code == "framing")
        #expect((try node.node.activeBans().wait()).isEmpty)
        try expectStillServing(node, from: "127.0.4.2")
    }

    @Test("length larger than the bytes sent, then close: framing disconnect")
    func lengthLargerThanBytes() throws {
        let node = try NodeHarness(host: "127.0.3.2")
        let (peer, _) = try #require(try node.handshakenPeer(from: "127.0.4.3", port: 9_102))
        try peer.send([0x13, 100, 0] + [UInt8](repeating: 0, count: 10))
        peer.shutdownWrite()
        #expect(peer.waitForClose())
        #expect(disconnectReason(node, address: "127.0.4.3:9102") == .framing(.eofMidFrame(pendingBytes: 13)))
        try expectStillServing(node, from: "127.0.4.4")
    }

    @Test("unknown type: ignored, connection kept, later frames delivered")
    func unknownType_ignored() throws {
        let node = try NodeHarness(host: "127.0.3.3")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.4.5", port: 9_103))
        try peer.send(
            Wire.frame(MessageType(rawValue: 0x99), [1, 2, 3, 4, 5]) + Wire.frame(MessageType(rawValue: 0))
                + Wire.frame(.getPhase)
        )
        #expect(node.sink.messages(from: id, through: .getPhase)?.map(\.type) == [.getPhase])
        #expect(node.snapshot(id)?.penalty == 0)
    }

    @Test("garbage: random frames of known types with bad payloads reach 10 points, disconnect and ban the IP")
    func garbage_banned() throws {
        let node = try NodeHarness(host: "127.0.3.4")
        let (peer, _) = try #require(try node.handshakenPeer(from: "127.0.4.6", port: 9_104))
        var garbage: [UInt8] = []
        for i in 0..<12 { garbage += Wire.frame(.coherence, [UInt8(i)]) }
        try peer.send(garbage)
        #expect(peer.waitForClose())
        #expect(disconnectReason(node, address: "127.0.4.6:9104")?.code == "misbehaviour")
        #expect(try node.node.activeBans().wait().map(\.ip) == ["127.0.4.6"])
        // The banned IP is refused at once: no VERSION, just a close.
        let again = try TestPeer(from: "127.0.4.6", to: node.host, port: node.port)
        #expect(again.readFrame() == nil)
        try expectStillServing(node, from: "127.0.4.7")
    }

    @Test("garbage header announcing a long payload, then close: framing disconnect")
    func garbageHeader_thenClose() throws {
        let node = try NodeHarness(host: "127.0.3.5")
        let peer = try TestPeer(from: "127.0.4.8", to: node.host, port: node.port)
        _ = peer.readFrame()
        try peer.send([0x0B, 0x30, 0x55] + (0..<61).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        peer.shutdownWrite()
        #expect(peer.waitForClose())
        try expectStillServing(node, from: "127.0.4.9")
    }

    @Test("frames before the handshake cost a point each; ten of them ban")
    func framesBeforeHandshake() throws {
        let node = try NodeHarness(host: "127.0.3.6")
        let peer = try TestPeer(from: "127.0.4.10", to: node.host, port: node.port)
        var frames: [UInt8] = []
        for _ in 0..<10 { frames += Wire.phase() }
        try peer.send(frames)
        #expect(peer.waitForClose())
        #expect(try node.node.activeBans().wait().map(\.ip) == ["127.0.4.10"])
        try expectStillServing(node, from: "127.0.4.11")
    }

    @Test("oversize without the extension: a 0xFFFF length is a plain 65535-byte frame; with it, > 1 MiB disconnects")
    func oversize() throws {
        let node = try NodeHarness(host: "127.0.3.7")
        let (plain, plainID) = try #require(try node.handshakenPeer(from: "127.0.4.12", port: 9_107, services: nil))
        try plain.send(Wire.frame(.bloom, [UInt8](repeating: 3, count: 65_535)) + Wire.frame(.getPhase))
        #expect(node.sink.messages(from: plainID, through: .getPhase)?.map(\.payload.count) == [65_535, 0])
        node.node.send(type: .block, payload: [UInt8](repeating: 1, count: 70_000), to: .one(plainID))
        node.node.send(type: .tx, payload: [2], to: .one(plainID))
        #expect(plain.readFrame()?.type == .tx)

        let (large, _) = try #require(try node.handshakenPeer(from: "127.0.4.13", port: 9_108))
        try large.send(Wire.escapeFrame(.block, realLength: (1 << 20) + 1, payload: [1, 2, 3]))
        #expect(large.waitForClose())
        #expect(disconnectReason(node, address: "127.0.4.13:9108")?.code == "framing")
        try expectStillServing(node, from: "127.0.4.14")
    }

    @Test("PHASE flood: 61 in a minute, the 61st dropped with a point")
    func phaseFlood() throws {
        let node = try NodeHarness(host: "127.0.3.8")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.4.15", port: 9_109))
        var flood: [UInt8] = []
        for _ in 0..<61 { flood += Wire.phase() }
        try peer.send(flood + Wire.frame(.getPhase))
        let frames = try #require(node.sink.messages(from: id, through: .getPhase))
        #expect(frames.filter { $0.type == .phase }.count == 60)
        #expect(node.snapshot(id)?.penalty == 1)
    }

    @Test("GETDATA flood: 11 unsolicited, the 11th dropped with a point")
    func getDataFlood() throws {
        let node = try NodeHarness(host: "127.0.3.9")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.4.16", port: 9_110))
        var flood: [UInt8] = []
        for i in 0..<11 { flood += Wire.getData(Wire.hash(i)) }
        try peer.send(flood + Wire.frame(.getPhase))
        let frames = try #require(node.sink.messages(from: id, through: .getPhase))
        #expect(frames.filter { $0.type == .getData }.count == 10)
        #expect(node.snapshot(id)?.penalty == 1)
    }

    @Test("slowloris handshake: a VERSION dribbled in is dropped at the handshake timeout, not banned")
    func slowlorisHandshake() throws {
        let node = try NodeHarness(host: "127.0.3.10") { $0.limits.handshakeTimeout = 0.3 }
        let peer = try TestPeer(from: "127.0.4.17", to: node.host, port: node.port)
        _ = peer.readFrame()
        let version = Wire.version(height: 1, port: 9_111)
        try peer.send(Array(version.prefix(5)))
        #expect(peer.waitForClose())
        #expect(try node.node.activeBans().wait().isEmpty)
        try expectStillServing(node, from: "127.0.4.18")
    }

    @Test("a peer that never reads is dropped once its send queue passes the bound")
    func slowReader_dropped() throws {
        let node = try NodeHarness(host: "127.0.3.11") {
            $0.maxSendQueueBytes = 256 * 1024
            $0.sendQueueLowWater = 16 * 1024
            $0.sendQueueHighWater = 64 * 1024
        }
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.4.19", port: 9_112))
        let chunk = [UInt8](repeating: 5, count: 60_000)
        // Far more than the socket buffers and the queue bound hold; the peer reads nothing.
        for _ in 0..<400 { node.node.send(type: .tx, payload: chunk, to: .one(id)) }
        #expect(node.sink.disconnected(id)?.code == "send_queue_overflow")
        #expect(
            node.sink.wait { events in
                events.contains { if case .flow(let p, let open) = $0 { p == id && !open } else { false } } ? true : nil
            } == true
        )
        withExtendedLifetime(peer) {}
        try expectStillServing(node, from: "127.0.4.20")
    }

    @Test("a misbehaviour ban drops the IP's other connections too")
    func misbehaviourBan_dropsSameIP() throws {
        let node = try NodeHarness(host: "127.0.3.12")
        let (bad, _) = try #require(try node.handshakenPeer(from: "127.0.4.21", port: 9_121))
        let (sibling, siblingID) = try #require(try node.handshakenPeer(from: "127.0.4.21", port: 9_122))
        var garbage: [UInt8] = []
        for _ in 0..<10 { garbage += Wire.frame(.getData, [1, 2, 3]) }
        try bad.send(garbage)
        #expect(bad.waitForClose())
        #expect(sibling.waitForClose())
        #expect(node.sink.disconnected(siblingID) == .banned)
        try expectStillServing(node, from: "127.0.4.22")
    }
}
