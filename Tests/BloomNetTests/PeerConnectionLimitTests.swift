import BloomCore
import BloomNet
import BloomTestSupport
import BloomWire
import Testing

@Suite("PeerConnection: bad input, limits and misbehaviour (spec §2.5 items 5, 12, 13; §9)", .dedicatedThread)
struct PeerConnectionLimitTests {
    @Test("end of stream between frames: closed by peer; inside a frame: framing disconnect")
    func endOfStream_cleanOrMidFrame() {
        var clean = PeerConnection.established()
        #expect(clean.endOfStream(now: 1).disconnectReason == .closedByPeer)

        var truncated = PeerConnection.established()
        _ = truncated.receive(Array(Wire.phase().prefix(20)), now: 1)
        let reason = truncated.endOfStream(now: 1).disconnectReason
        #expect(reason == .framing(.eofMidFrame(pendingBytes: 20)))
        #expect(reason?.bans == false)
    }

    @Test("length larger than the bytes sent: nothing delivered until EOF, then disconnect")
    func lengthLongerThanData_waitsThenDisconnectsAtEOF() {
        var connection = PeerConnection.established()
        let actions = connection.receive([0x20, 100, 0] + [UInt8](repeating: 0, count: 10), now: 1)
        #expect(actions.isEmpty)
        #expect(connection.bufferedBytes == 13)
        #expect(connection.endOfStream(now: 2).disconnectReason == .framing(.eofMidFrame(pendingBytes: 13)))
    }

    @Test("escape frame announcing more than 1 MiB: disconnect at once")
    func oversizeEscape_disconnects() {
        var connection = PeerConnection.established(services: .node)
        let actions = connection.receive(Wire.escapeFrame(.block, realLength: 1 << 20 + 1, payload: []), now: 1)
        #expect(actions.disconnectReason == .framing(.escapeLengthTooLarge(realLength: 1 << 20 + 1, limit: 1 << 20)))
        #expect(connection.isClosed)
    }

    @Test("oversize without the extension: 0xFFFF is read as a 65535-byte payload, the stream stays in step")
    func oversizeWithoutExtension_isPlainLength() {
        var connection = PeerConnection.established()
        let actions = connection.receive(
            Wire.frame(.bloom, [UInt8](repeating: 2, count: 65_535)) + Wire.frame(.getPhase),
            now: 1
        )
        #expect(actions.delivered.map(\.type) == [.bloom, .getPhase])
        #expect(actions.disconnectReason == nil)
    }

    @Test("unknown types are ignored for free, up to the unknown-type limit; then a point each")
    func unknownTypes_freeThenLimited() {
        var connection = PeerConnection.established()
        var actions: [ConnectionAction] = []
        for _ in 0..<60 { actions += connection.receive(Wire.frame(MessageType(rawValue: 0x99), [1, 2]), now: 1) }
        #expect(actions.penaltyPoints == 0)
        #expect(actions.delivered.isEmpty)
        #expect(connection.receive(Wire.frame(MessageType(rawValue: 0x7F)), now: 1).penaltyPoints == 1)
    }

    @Test("PHASE flood: 60 in a minute pass, the 61st costs a point and is dropped; the bucket refills")
    func phaseFlood_61stCostsAPoint() {
        var connection = PeerConnection.established()
        var actions: [ConnectionAction] = []
        for _ in 0..<60 { actions += connection.receive(Wire.phase(), now: 1) }
        #expect(actions.delivered.count == 60)
        #expect(actions.penaltyPoints == 0)
        let over = connection.receive(Wire.phase(), now: 1)
        #expect(over.delivered.isEmpty)
        #expect(over.penaltyPoints == 1)
        #expect(connection.receive(Wire.phase(), now: 2.5).delivered.count == 1)
    }

    @Test("GETDATA flood (blocks not offered): 10 pass, the 11th costs a point; GETBLOCKS share the bucket")
    func getDataFlood_11thCostsAPoint() {
        var connection = PeerConnection.established()
        var actions: [ConnectionAction] = []
        for i in 0..<9 { actions += connection.receive(Wire.getData(Wire.hash(i)), now: 1) }
        actions += connection.receive(Wire.frame(.getBlocks, [0, 0, 0, 0, 10, 0, 0, 0]), now: 1)
        #expect(actions.delivered.count == 10)
        #expect(actions.penaltyPoints == 0)
        #expect(connection.receive(Wire.getData(Wire.hash(99)), now: 1).penaltyPoints == 1)
        #expect(connection.receive(Wire.frame(.getData, [0, 0, 0, 0]), now: 1).penaltyPoints == 1)
    }

    @Test("GETDATA for offered blocks is not a block request; at most 500 outstanding, a BLOCK sent settles one")
    func offeredGetData_boundedByOutstanding() {
        var connection = PeerConnection.established()
        let hashes = (0..<501).map(Wire.hash)
        _ = connection.send(type: .blocks, payload: Wire.blocksPayload(hashes), now: 1)
        var actions: [ConnectionAction] = []
        for hash in hashes.prefix(500) { actions += connection.receive(Wire.getData(hash), now: 2) }
        #expect(actions.delivered.count == 500)
        #expect(actions.penaltyPoints == 0)
        #expect(connection.outstandingOfferedGetData == 500)
        #expect(connection.receive(Wire.getData(hashes[500]), now: 2).penaltyPoints == 1)
        _ = connection.send(type: .block, payload: [1, 2, 3], now: 3)
        #expect(connection.outstandingOfferedGetData == 499)
        #expect(connection.receive(Wire.getData(hashes[500]), now: 3).delivered.count == 1)
    }

    @Test("an offer expires after 10 minutes: a later GETDATA counts as a block request")
    func offeredGetData_expires() {
        var connection = PeerConnection.established()
        _ = connection.send(type: .blocks, payload: Wire.blocksPayload([Wire.hash(1)]), now: 0)
        #expect(connection.receive(Wire.getData(Wire.hash(1)), now: 600).delivered.count == 1)
        #expect(connection.outstandingOfferedGetData == 1)
        _ = connection.receive(Wire.getData(Wire.hash(1)), now: 601)
        #expect(connection.outstandingOfferedGetData == 1)
    }

    @Test("malformed payloads of known types: one point each (PHASE n = 0, NaN COHERENCE, GETDATA of 5 bytes)")
    func malformedKnownTypes_costAPointEach() {
        var connection = PeerConnection.established()
        var actions = connection.receive(Wire.frame(.phase, [0, 0, 0, 63, 0, 0, 0, 0, 0, 0, 0, 0]), now: 1)
        actions += connection.receive(Wire.frame(.coherence, [0, 0, 0xC0, 0x7F, 0, 0, 0, 0]), now: 1)
        actions += connection.receive(Wire.frame(.getData, [1, 2, 3, 4, 5]), now: 1)
        actions += connection.receive(Wire.frame(.blocks, [2, 0, 0, 0] + [UInt8](repeating: 0, count: 33)), now: 1)
        #expect(actions.delivered.isEmpty)
        #expect(actions.penaltyPoints == 4)
    }

    @Test("bulk-sync messages from a peer without BULK_SYNC: a point each; never sent to it")
    func bulkSyncWithoutService_isViolation() {
        var connection = PeerConnection.established()
        let actions = connection.receive(Wire.frame(.getHeaders, [0, 0, 0, 0, 1, 0, 0, 0]), now: 1)
        #expect(actions.penaltyPoints == 1)
        #expect(connection.send(type: .headers, payload: [0, 0, 0, 0], now: 1).notSent)
        var bulk = PeerConnection.established(services: .node)
        #expect(bulk.receive(Wire.frame(.getHeaders, [0, 0, 0, 0, 1, 0, 0, 0]), now: 1).delivered.count == 1)
        #expect(!bulk.send(type: .headers, payload: [0, 0, 0, 0], now: 1).notSent)
    }

    @Test("bulk sync: GETHEADERS over 10 a second and over 1024 blocks outstanding cost points")
    func bulkSyncBounds() {
        var connection = PeerConnection.established(services: .node)
        var actions: [ConnectionAction] = []
        for _ in 0..<10 { actions += connection.receive(Wire.frame(.getHeaders, [0, 0, 0, 0, 1, 0, 0, 0]), now: 1) }
        #expect(actions.penaltyPoints == 0)
        #expect(connection.receive(Wire.frame(.getHeaders, [0, 0, 0, 0, 1, 0, 0, 0]), now: 1).penaltyPoints == 1)
        let request = Wire.frame(.getBlockData, Wire.blocksPayload((0..<128).map(Wire.hash)))
        actions = []
        for _ in 0..<8 { actions += connection.receive(request, now: 2) }
        #expect(actions.penaltyPoints == 0)
        #expect(connection.outstandingBulkBlocks == 1024)
        #expect(connection.receive(request, now: 2).penaltyPoints == 1)
        _ = connection.send(type: .notFound, payload: Wire.blocksPayload((0..<128).map(Wire.hash)), now: 3)
        #expect(connection.receive(request, now: 3).delivered.count == 1)
    }

    @Test("10 points from any mix of causes: disconnect and ban")
    func tenPoints_disconnectAndBan() {
        var connection = PeerConnection.established()
        var actions: [ConnectionAction] = []
        for _ in 0..<4 { actions += connection.receive(Wire.frame(.getData, [1]), now: 1) }
        actions += connection.penalise(points: 5, reason: "invalid block")
        #expect(actions.disconnectReason == nil)
        actions += connection.receive(Wire.frame(.coherence, [1]), now: 1)
        let reason = actions.disconnectReason
        #expect(reason?.bans == true)
        #expect(reason?.code == "misbehaviour")
        #expect(connection.isClosed)
        #expect(connection.receive(Wire.phase(), now: 2).isEmpty)
    }

    @Test("no frame for the idle timeout: disconnect; a frame resets it")
    func idleTimeout() {
        var limits = ConnectionLimits()
        limits.idleTimeout = 100
        var connection = PeerConnection.established(limits: limits)
        _ = connection.receive(Wire.frame(.getPhase), now: 50)
        #expect(connection.tick(now: 149).isEmpty)
        #expect(connection.tick(now: 150).disconnectReason == .idle)
    }

    @Test("random garbage never traps, and ends in a disconnect or some points")
    func garbage_neverTraps() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<200 {
            var connection = PeerConnection.established(services: generator.next() % 2 == 0 ? .node : nil)
            let length = Int(generator.next() % 400)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = connection.receive(bytes, now: 1)
            _ = connection.endOfStream(now: 2)
            #expect(connection.isClosed)
        }
    }
}

/// A small deterministic generator for garbage input.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
