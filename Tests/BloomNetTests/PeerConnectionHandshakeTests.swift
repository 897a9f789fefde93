import BloomCore
import BloomNet
import BloomTestSupport
import BloomWire
import Testing

@Suite("PeerConnection: handshake (spec §2.5 items 1–3)", .dedicatedThread)
struct PeerConnectionHandshakeTests {
    @Test("start, either direction: our VERSION goes first, 28 bytes with services 7")
    func start_sendsVersionFirst_whateverTheDirection() throws {
        for direction in [PeerConnection.Direction.inbound, .outbound] {
            var connection = PeerConnection(
                direction: direction,
                localVersion: VersionMessage(height: 9, timestamp: 1, port: 7618),
                now: 0
            )
            let frames = connection.start(now: 0).sentFrames
            let first = try #require(frames.first)
            #expect(frames.count == 1)
            #expect(first.type == .version)
            #expect(first.payload.count == VersionMessage.extendedSize)
            guard case .version(let version)? = try PeerMessage(type: .version, payload: first.payload) else {
                Issue.record("not a VERSION")
                return
            }
            #expect(version.height == 9)
            #expect(version.services == .node)
            #expect(!connection.isEstablished)
        }
    }

    @Test("reference dialler sends a 20-byte VERSION: VERACK, established, height known, no large frames")
    func referenceVersion_answersVerack_andEstablishes() {
        var connection = PeerConnection.started()
        let actions = connection.receive(Wire.version(height: 42), now: 1)
        #expect(actions.sentFrames.map(\.type) == [.verack])
        #expect(actions.completedHandshake)
        #expect(connection.isEstablished)
        #expect(connection.peerHeight == 42)
        #expect(connection.peerServices == [])
        #expect(!connection.largeFramesNegotiated)
    }

    @Test("reference acceptor only answers VERACK: usable, height 0 until known")
    func verackOnly_establishes_withHeightZero() {
        var connection = PeerConnection.started(.outbound)
        let actions = connection.receive(Wire.verack, now: 1)
        #expect(actions.completedHandshake)
        #expect(actions.sentFrames.isEmpty)
        #expect(connection.isEstablished)
        #expect(connection.peerHeight == 0)
    }

    @Test("a VERSION after the VERACK is still answered once and records the height")
    func versionAfterVerack_isAnsweredOnce() {
        var connection = PeerConnection.started(.outbound)
        _ = connection.receive(Wire.verack, now: 1)
        let actions = connection.receive(Wire.version(height: 7, services: .node), now: 2)
        #expect(actions.sentFrames.map(\.type) == [.verack])
        #expect(!actions.completedHandshake)
        #expect(connection.peerHeight == 7)
        #expect(connection.largeFramesNegotiated)
    }

    @Test("second VERSION: ignored, no VERACK, no point, first one's fields kept")
    func secondVersion_isIgnored() {
        var connection = PeerConnection.established()
        let actions = connection.receive(Wire.version(height: 99, services: .node), now: 1)
        #expect(actions.sentFrames.isEmpty)
        #expect(actions.penaltyPoints == 0)
        #expect(connection.points == 0)
        #expect(connection.peerHeight == 3)
        #expect(!connection.largeFramesNegotiated)
    }

    @Test("VERSION shorter than 20 bytes: one point, no VERACK, still handshaking")
    func shortVersion_costsAPoint_noVerack() {
        var connection = PeerConnection.started()
        let actions = connection.receive(Wire.frame(.version, [UInt8](repeating: 1, count: 10)), now: 1)
        #expect(actions.sentFrames.isEmpty)
        #expect(actions.penaltyPoints == 1)
        #expect(!connection.isEstablished)
    }

    @Test("VERSION of 20–27 bytes means services 0; extra bytes after 28 are ignored")
    func versionLengths_setServices() {
        var partial = PeerConnection.started()
        _ = partial.receive(Wire.frame(.version, Array(Wire.version(height: 1).dropFirst(3)) + [7, 0, 0]), now: 0)
        #expect(partial.peerServices == [])
        var extended = PeerConnection.started()
        let payload = Array(Wire.version(height: 1, services: .node).dropFirst(3)) + [1, 2, 3]
        _ = extended.receive(Wire.frame(.version, payload), now: 0)
        #expect(extended.peerServices == .node)
        #expect(extended.largeFramesNegotiated)
    }

    @Test("any other frame before the handshake: dropped, one point each, not delivered")
    func frameBeforeHandshake_costsAPoint() {
        var connection = PeerConnection.started()
        var actions = connection.receive(Wire.phase(), now: 1)
        actions += connection.receive(Wire.frame(.getPhase), now: 1)
        actions += connection.receive(Wire.frame(.tx, [1, 2, 3]), now: 1)
        #expect(actions.delivered.isEmpty)
        #expect(actions.penaltyPoints == 3)
        #expect(!connection.isEstablished)
    }

    @Test("no handshake within the timeout: disconnect, no ban")
    func handshakeTimeout_disconnects() {
        var limits = ConnectionLimits()
        limits.handshakeTimeout = 10
        var connection = PeerConnection.started(limits: limits)
        #expect(connection.tick(now: 9.9).isEmpty)
        // A slowloris VERSION, one byte at a time, does not extend the deadline.
        let version = Wire.version(height: 1)
        for byte in version.dropLast() { _ = connection.receive([byte], now: 5) }
        let actions = connection.tick(now: 10)
        #expect(actions.disconnectReason == .handshakeTimeout)
        #expect(actions.disconnectReason?.bans == false)
        #expect(connection.isClosed)
        #expect(connection.receive(Array(version.suffix(1)), now: 11).isEmpty)
    }

    @Test("bytes split anywhere, even one at a time, give the same result")
    func byteAtATime_sameAsWhole() {
        var whole = PeerConnection.started()
        let input = Wire.version(height: 4, services: .node) + Wire.phase() + Wire.frame(.getPhase)
        let expected = whole.receive(input, now: 1)
        var split = PeerConnection.started()
        var actions: [ConnectionAction] = []
        for byte in input { actions += split.receive([byte], now: 1) }
        actions += split.receive([], now: 1)
        #expect(actions == expected)
        #expect(actions.delivered.map(\.type) == [.phase, .getPhase])
    }

    @Test("both sides advertised LARGE_FRAMES: escape frames in and out; 0xFFFF-length frames use the escape form")
    func largeFrames_negotiated_escapeBothWays() {
        var connection = PeerConnection.established(services: .node)
        let payload = [UInt8](repeating: 0xAB, count: 70_000)
        let actions = connection.receive(Wire.escapeFrame(.block, realLength: 70_000, payload: payload), now: 1)
        #expect(actions.delivered.first?.payload.count == 70_000)
        let sent = connection.send(type: .block, payload: payload, now: 1)
        guard case .send(let bytes)? = sent.first else {
            Issue.record("not sent")
            return
        }
        #expect(bytes.count == 7 + 70_000)
        #expect(Array(bytes[1..<3]) == [0xFF, 0xFF])
    }

    @Test("a peer without LARGE_FRAMES: 0xFFFF is a plain length; bigger payloads are not sent")
    func noLargeFrames_plainFramesOnly() {
        var connection = PeerConnection.established()
        let payload = [UInt8](repeating: 1, count: 65_535)
        #expect(connection.receive(Wire.frame(.tx, payload), now: 1).delivered.first?.payload.count == 65_535)
        #expect(connection.send(type: .block, payload: payload + [0], now: 1).notSent)
        #expect(!connection.send(type: .block, payload: payload, now: 1).notSent)
    }

    @Test("VERSION and an escape frame in one read: the escape header is read with the new rule")
    func versionThenEscapeFrame_sameRead() {
        var connection = PeerConnection.started()
        let payload = [UInt8](repeating: 4, count: 65_535)
        let input = Wire.version(height: 2, services: .node)
            + Wire.escapeFrame(.tx, realLength: UInt32(payload.count), payload: payload)
        let actions = connection.receive(input, now: 1)
        #expect(actions.delivered.map(\.payload.count) == [65_535])
        #expect(actions.penaltyPoints == 0)
    }

    @Test("nothing is sent before the handshake, nor after the close")
    func send_outsideEstablished_isNotSent() {
        var connection = PeerConnection.started()
        #expect(connection.send(type: .tx, payload: [1], now: 0).notSent)
        _ = connection.receive(Wire.verack, now: 1)
        #expect(!connection.send(type: .tx, payload: [1], now: 1).notSent)
        _ = connection.disconnect(.requested("test"))
        #expect(connection.send(type: .tx, payload: [1], now: 2).notSent)
    }
}
