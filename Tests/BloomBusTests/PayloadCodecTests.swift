import BloomBus
import BloomCore
import BloomTestSupport
import Testing

@Suite("Topic payload codecs", .dedicatedThread)
struct PayloadCodecTests {
    static let peer = PeerID(replica: 1, bootID: 0x00_BEEF, counter: 42)
    static let hash = Hash256(bytes: (0..<32).map { UInt8($0) }) ?? .zero
    static let parent = Hash256(bytes: (0..<32).map { UInt8(0x40 + $0) }) ?? .zero
    static let certificate = Hash256(bytes: (0..<32).map { UInt8(0x80 + $0) }) ?? .zero
    static let tip = ChainTip(height: 41, hash: hash, parentHash: parent, certificateHash: certificate)

    /// Round trip; every prefix shorter than `fixedLength` (the whole encoding when the payload has no trailing
    /// "rest" field) fails; without a rest field, one extra byte is `trailingBytes`.
    func checkCodec<P: BusPayload & Equatable>(_ value: P, restStartsAt fixedLength: Int? = nil) throws {
        let bytes = value.encoded()
        #expect(try P(decoding: bytes) == value)
        for length in 0..<(fixedLength ?? bytes.count) {
            #expect(throws: DecodeError.self, "prefix of \(length) bytes") { try P(decoding: bytes.prefix(length)) }
        }
        if fixedLength == nil {
            let error = #expect(throws: DecodeError.self) { try P(decoding: bytes + [0]) }
            #expect(error?.kind == .trailingBytes)
        }
    }

    func expectInvalid<P: BusPayload>(_ type: P.Type, _ bytes: [UInt8], field: String) {
        let error = #expect(throws: DecodeError.self) { try P(decoding: bytes) }
        #expect(error?.field == field)
    }

    @Test("heartbeat with and without a tip")
    func heartbeat() throws {
        try checkCodec(Heartbeat(service: "bloom-net", replica: 2, pid: 4242, bootID: 0xABCDEF, state: .ready))
        try checkCodec(
            Heartbeat(
                service: "bloom-sync",
                replica: 0,
                pid: 1,
                bootID: 7,
                state: .starting,
                tip: Self.tip
            )
        )
        try checkCodec(Heartbeat(service: "bloom-net", replica: 1, pid: 9, bootID: 3, state: .ready, host: "edge-7"))
        // The host closes the layout: a heartbeat cut before it is truncated, not a heartbeat without a host.
        let full = Heartbeat(service: "x", replica: 0, pid: 1, bootID: 1, state: .ready, host: "h").encoded()
        let error = #expect(throws: DecodeError.self) { try Heartbeat(decoding: Array(full.dropLast(3))) }
        #expect(error?.field == "heartbeat.host")
    }

    @Test("heartbeat rejects an unknown state, a bad tip flag and a boot id over 24 bits")
    func heartbeat_invalid() {
        let valid = Heartbeat(service: "x", replica: 0, pid: 1, bootID: 1, state: .ready).encoded()
        // service: 2 + 1 bytes, replica 1, pid 4, boot id 4, state 1, has tip 1
        var bytes = valid
        bytes[12] = 9
        expectInvalid(Heartbeat.self, bytes, field: "heartbeat.state")
        bytes = valid
        bytes[13] = 2
        expectInvalid(Heartbeat.self, bytes, field: "heartbeat.has_tip")
        bytes = valid
        bytes[11] = 1
        expectInvalid(Heartbeat.self, bytes, field: "heartbeat.boot_id")
    }

    @Test("strings: bad UTF-8 and counts over the bound are rejected before allocating")
    func strings_invalid() {
        expectInvalid(
            Heartbeat.self,
            [2, 0, 0xC3, 0x28] + [UInt8](repeating: 0, count: 11),
            field: "heartbeat.service"
        )
        let error = #expect(throws: DecodeError.self) { try P2PControl(decoding: [4, 0xFF, 0xFF]) }
        #expect(error?.kind == .countOutOfRange)
    }

    @Test("an over-long string is cut at a character boundary when encoded")
    func strings_cutOnEncode() throws {
        let long = String(repeating: "é", count: 600)  // 1200 bytes
        let decoded = try P2PControl(decoding: P2PControl.connect(address: long).encoded())
        guard case .connect(let address) = decoded else {
            Issue.record("decoded \(decoded)")
            return
        }
        #expect(address.utf8.count == BusStrings.maxBytes)
        #expect(long.hasPrefix(address))
    }

    @Test("chain tip: height, hash, parent hash and certificate hash; a cut in any field names that field")
    func chainTip() throws {
        try checkCodec(Self.tip)
        let bytes = Self.tip.encoded()
        #expect(bytes.count == 4 + 3 * 32)
        #expect(Array(bytes[36..<68]) == Self.parent.bytes)
        #expect(Array(bytes[68..<100]) == Self.certificate.bytes)
        expectInvalid(ChainTip.self, Array(bytes.prefix(50)), field: "tip.parent_hash")
        expectInvalid(ChainTip.self, Array(bytes.prefix(99)), field: "tip.certificate_hash")
    }

    @Test("p2p.out to one peer, to all, to all but one; unknown target and peer 0 rejected")
    func p2pOut() throws {
        try checkCodec(P2POut(messageType: 0x13, target: .peer(Self.peer), payload: [1, 2, 3]), restStartsAt: 10)
        try checkCodec(P2POut(messageType: 0x30, target: .all, payload: []), restStartsAt: 2)
        try checkCodec(P2POut(messageType: 0x20, target: .allExcept(Self.peer), payload: [9]), restStartsAt: 10)
        expectInvalid(P2POut.self, [0x13, 4], field: "p2p_out.target")
        expectInvalid(P2POut.self, [0x13, 1] + [UInt8](repeating: 0, count: 8), field: "p2p_out.peer")
    }

    @Test("p2p.ctl orders; unknown order and ban target rejected")
    func p2pControl() throws {
        try checkCodec(P2PControl.penalise(peer: Self.peer, points: 10, reason: "protocol_violation"))
        try checkCodec(P2PControl.disconnect(peer: Self.peer, reason: "bye"))
        try checkCodec(P2PControl.ban(.peer(Self.peer), seconds: 86_400, reason: "misbehaving"))
        try checkCodec(P2PControl.ban(.ip("127.0.0.66"), seconds: 60, reason: ""))
        try checkCodec(P2PControl.connect(address: "127.0.0.11:7618"))
        expectInvalid(P2PControl.self, [5], field: "p2p_ctl.tag")
        expectInvalid(P2PControl.self, [3, 9], field: "p2p_ctl.ban_by")
    }

    @Test("p2p.peer connected and disconnected; unknown event and direction rejected")
    func peerEvent() throws {
        let connected = PeerEvent.Connected(
            peer: Self.peer,
            address: "127.0.0.10:7618",
            direction: .inbound,
            version: 1,
            height: 41,
            services: 7,
            listenPort: 7618
        )
        try checkCodec(PeerEvent.connected(connected))
        try checkCodec(PeerEvent.disconnected(peer: Self.peer, reason: "timeout"))
        expectInvalid(PeerEvent.self, [3], field: "peer_event.tag")
        var bytes = PeerEvent.connected(connected).encoded()
        bytes[1 + 8 + 2 + connected.address.utf8.count] = 0
        expectInvalid(PeerEvent.self, bytes, field: "peer_event.direction")
    }

    @Test("p2p.flow; unknown state rejected; written carries its byte count")
    func p2pFlow() throws {
        try checkCodec(P2PFlow(peer: Self.peer, state: .full))
        try checkCodec(P2PFlow(peer: Self.peer, state: .open))
        try checkCodec(P2PFlow(peer: Self.peer, state: .written, bytes: 300_000))
        #expect(P2PFlow(peer: Self.peer, state: .open, bytes: 5).encoded().count == 9)
        expectInvalid(
            P2PFlow.self,
            P2PFlow(peer: Self.peer, state: .open).encoded().dropLast() + [4],
            field: "p2p_flow.state"
        )
        expectInvalid(
            P2PFlow.self,
            Array(P2PFlow(peer: Self.peer, state: .written, bytes: 1).encoded().dropLast()),
            field: "p2p_flow.bytes"
        )
    }

    @Test("p2p.in carries the payload untouched")
    func p2pIn() throws {
        try checkCodec(P2PIn(payload: [0, 1, 2, 255]), restStartsAt: 0)
        try checkCodec(P2PIn(payload: []), restStartsAt: 0)
    }

    @Test("gossip.sealed keeps r and psi bit-exact, NaN payloads included")
    func gossipSealed() throws {
        try checkCodec(
            GossipSealed(
                prevHash: Self.hash,
                nonce: 77,
                orderParameter: Float(bitPattern: 0x3F6A_0000),
                meanPhase: Float(bitPattern: 0x7FC0_1234),
                oscillatorCount: 63,
                certificate: [1, 2, 3, 4]
            ),
            restStartsAt: 48
        )
    }

    @Test("gossip.expect and gossip.score; announcer 0 and non-finite scores rejected")
    func gossipExpectAndScore() throws {
        try checkCodec(GossipExpect(announcer: Self.peer, certificateHash: Self.hash))
        try checkCodec(GossipScore(peer: Self.peer, score: -12.5))
        expectInvalid(GossipExpect.self, [UInt8](repeating: 0, count: 40), field: "expect.announcer")
        for bad in [Double.nan, .infinity, -.infinity] {
            var writer = ByteWriter()
            writer.u64(Self.peer.rawValue)
            writer.u64(bad.bitPattern)
            expectInvalid(GossipScore.self, writer.bytes, field: "score.value")
        }
    }

    @Test("svc.hello is empty: any byte is trailing")
    func serviceHello() throws {
        try checkCodec(ServiceHello())
        #expect(ServiceHello().encoded().isEmpty)
    }

    @Test("svc.replicas: names in order, counts 1…64; zero, over 64, a repeated name and cuts are rejected")
    func serviceReplicas() throws {
        let value = ServiceReplicas(counts: ["bloom-sync": 1, "bloom-net": 3, "bloom-gossip": 64])
        try checkCodec(value)
        let bytes = value.encoded()
        #expect(bytes[0] == 3)
        // The first entry is bloom-gossip (name order): u16 length, 12 bytes, then its count.
        #expect(Array(bytes[1..<3]) == [12, 0])
        #expect(bytes[15] == 64)
        try checkCodec(ServiceReplicas(counts: [:]))
        var zero = ServiceReplicas(counts: ["bloom-net": 1]).encoded()
        zero[zero.count - 1] = 0
        expectInvalid(ServiceReplicas.self, zero, field: "replicas.replicas")
        var tooMany = zero
        tooMany[tooMany.count - 1] = 65
        expectInvalid(ServiceReplicas.self, tooMany, field: "replicas.replicas")
        let one = ServiceReplicas(counts: ["bloom-net": 2]).encoded()
        let twice = [2] + Array(one.dropFirst()) + Array(one.dropFirst())
        expectInvalid(ServiceReplicas.self, twice, field: "replicas.service")
    }

    @Test("service queries and replies carry JSON bytes")
    func serviceMessages() throws {
        try checkCodec(ServiceQuery(json: Array(#"{"id":1,"cmd":"peers","args":{}}"#.utf8)), restStartsAt: 0)
        try checkCodec(ServiceReply(json: Array(#"{"peers":[]}"#.utf8)), restStartsAt: 0)
    }

    @Test("bus messages need exactly two frames and a valid envelope")
    func busMessage_frames() throws {
        let message = BusMessage(
            topic: .chainTip,
            envelope: Envelope(sender: .newBoot(service: .sync), sequence: 1),
            payload: Self.tip.encoded()
        )
        let decoded = try BusMessage(frames: message.frames())
        #expect(decoded.topic == message.topic)
        #expect(decoded.envelope == message.envelope)
        #expect(decoded.payload == message.payload)
        #expect(throws: DecodeError.self) { try BusMessage(frames: [message.frames()[0]]) }
        #expect(throws: DecodeError.self) { try BusMessage(frames: message.frames() + [[]]) }
        #expect(throws: DecodeError.self) { try BusMessage(frames: [message.frames()[0], [0xB1, 1, 1]]) }
        #expect(throws: DecodeError.self) { try BusMessage(frames: [Array("chain.tip".utf8), message.frames()[1]]) }
    }
}
