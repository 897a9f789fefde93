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

    @Test("mutated and random bodies either fail with a typed error or decode to a message that re-encodes to them")
    func decode_mutatedBodies_rejectOrRoundTrip() {
        let seed: UInt64 = 42
        var generator = SplitMix64(seed: seed)
        let topic = Array("chain.tip\0".utf8)
        let valid = BusMessage(topic: .chainTip, envelope: Self.sample, payload: [1, 2, 3, 4]).frames()[1]
        var accepted = 0
        var rejected = 0
        for round in 0..<4_000 {
            var body: [UInt8]
            switch generator.next() % 4 {
            case 0:  // random bytes of a random length, mostly shorter than an envelope
                body = (0..<Int(generator.next() % 48)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:  // a valid body cut short
                body = Array(valid.prefix(Int(generator.next() % UInt64(valid.count))))
            default:  // a valid body with one to three bytes changed, payload bytes included
                body = valid
                for _ in 0...(generator.next() % 3) {
                    body[Int(generator.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            do {
                let message = try BusMessage(frames: [topic, body])
                accepted += 1
                #expect(message.frames() == [topic, body], "seed \(seed) round \(round): not canonical")
                #expect(try Envelope(decoding: body.prefix(Envelope.size)) == message.envelope)
            } catch {
                rejected += 1
                #expect(error.field.hasPrefix("envelope"), "seed \(seed) round \(round): \(error)")
                if body.count < Envelope.size { #expect(error.kind == .truncated) }
            }
        }
        // Both outcomes were exercised, so neither branch's checks are vacuous.
        #expect(accepted > 100 && rejected > 100, "accepted \(accepted), rejected \(rejected)")
    }
}
