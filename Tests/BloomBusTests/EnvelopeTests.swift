import BloomBus
import BloomCore
import BloomTestSupport
import Testing

@Suite("Envelope codec", .dedicatedThread)
struct EnvelopeTests {
    static let sample = Envelope(
        kind: .request,
        flags: .error,
        sender: SenderID(service: .gossip, replica: 3, bootID: 0xABCDEF),
        sequence: 0x0102_0304_0506_0708,
        peerID: PeerID(replica: 2, bootID: 0x123456, counter: 99),
        requestID: 77
    )

    @Test("an envelope encodes to 36 bytes and decodes to itself")
    func roundTrip() throws {
        let bytes = Self.sample.encoded()
        #expect(bytes.count == Envelope.size)
        #expect(try Envelope(decoding: bytes) == Self.sample)
    }

    @Test("no peer encodes as 0 and decodes as nil")
    func noPeer_roundTrip() throws {
        var envelope = Self.sample
        envelope.peerID = nil
        #expect(try Envelope(decoding: envelope.encoded()).peerID == nil)
    }

    @Test("every truncation is a truncated error, never a crash")
    func decode_whenTruncated_throwsTruncated() {
        let bytes = Self.sample.encoded()
        for length in 0..<bytes.count {
            #expect(throws: DecodeError.self) { try Envelope(decoding: bytes.prefix(length)) }
            do {
                _ = try Envelope(decoding: Array(bytes.prefix(length)))
            } catch {
                #expect(error.kind == .truncated)
            }
        }
    }

    @Test("a byte after the envelope is trailing when no payload is expected")
    func decode_whenTrailingByte_throwsTrailingBytes() {
        let error = #expect(throws: DecodeError.self) { try Envelope(decoding: Self.sample.encoded() + [0]) }
        #expect(error?.kind == .trailingBytes)
        #expect(error?.offset == Envelope.size)
    }

    @Test(
        "each forbidden field value is rejected at its offset",
        arguments: [
            (0, UInt8(0x00), "envelope.magic"),
            (1, UInt8(2), "envelope.version"),
            (2, UInt8(0), "envelope.kind"),
            (2, UInt8(4), "envelope.kind"),
            (5, UInt8(1), "envelope.reserved"),
            (11, UInt8(1), "envelope.boot_id"),
        ]
    )
    func decode_whenFieldInvalid_throwsInvalidValue(offset: Int, value: UInt8, field: String) {
        var bytes = Self.sample.encoded()
        bytes[offset] = value
        let error = #expect(throws: DecodeError.self) { try Envelope(decoding: bytes) }
        #expect(error?.kind == .invalidValue)
        #expect(error?.field == field)
    }

    @Test("sequence number 0 is rejected")
    func decode_whenSequenceZero_throws() {
        var envelope = Self.sample
        envelope.sequence = 0
        let error = #expect(throws: DecodeError.self) { try Envelope(decoding: envelope.encoded()) }
        #expect(error?.field == "envelope.sequence")
    }

    @Test("random garbage never crashes the decoder")
    func decode_garbage_neverCrashes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            let length = Int(generator.next() % 48)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? Envelope(decoding: bytes)
            _ = try? BusMessage(frames: [Array("chain.tip\0".utf8), bytes])
        }
    }
}

/// Deterministic pseudo-random numbers for fuzz-style tests.
struct SplitMix64: RandomNumberGenerator {
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
