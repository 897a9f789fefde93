import BloomCore
import BloomTestSupport
import Testing

@testable import BloomWire

/// Every payload decoder against short, long, truncated, non-finite and absurd-count input.
@Suite(.dedicatedThread) struct PayloadDecoderTests {
    static func reason(_ type: MessageType, _ payload: [UInt8]) -> PayloadError.Reason? {
        do {
            _ = try PeerMessage(type: type, payload: payload)
            return nil
        } catch {
            return error.reason
        }
    }

    static func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func f32(_ v: Float) -> [UInt8] { le32(v.bitPattern) }

    @Test func version_lengthRules() throws {
        let base = Self.le32(1) + Self.le32(5) + [0, 0xf1, 0x53, 0x65, 0, 0, 0, 0] + Self.le32(7618)
        #expect(Self.reason(.version, Array(base.prefix(19))) == .tooShort)
        #expect(Self.reason(.version, []) == .tooShort)
        guard case .version(let v20) = try PeerMessage(type: .version, payload: base) else { Issue.record(); return }
        #expect(v20.height == 5 && v20.port == 7618 && v20.timestamp == 1_700_000_000 && v20.services == nil)
        for extra in 1...7 {
            let payload = base + [UInt8](repeating: 0xff, count: extra)
            guard case .version(let v) = try PeerMessage(type: .version, payload: payload) else {
                Issue.record()
                return
            }
            #expect(v.advertisedServices == [], "a partial services field is never zero-extended")
            #expect(PeerMessage.version(v).encodedPayload() == payload)
        }
        let extended = base + [7, 0, 0, 0, 0, 0, 0, 0] + [0xaa, 0xbb]
        guard case .version(let v) = try PeerMessage(type: .version, payload: extended) else { Issue.record(); return }
        #expect(v.advertisedServices == .node)
        #expect(v.unparsedTail == [0xaa, 0xbb])
        #expect(PeerMessage.version(v).encodedPayload() == extended)
    }

    @Test func getBlocks_needsEightBytes_extraIgnored() throws {
        #expect(Self.reason(.getBlocks, [1, 0, 0, 0, 4, 0, 0]) == .tooShort)
        #expect(try PeerMessage(type: .getBlocks, payload: Self.le32(1) + Self.le32(4) + [9])
                == .getBlocks(HeightRange(startHeight: 1, count: 4)))
    }

    @Test func getHeaders_needsExactlyEightBytes() throws {
        #expect(Self.reason(.getHeaders, [1, 0, 0, 0, 4, 0, 0]) == .badLength)
        #expect(Self.reason(.getHeaders, Self.le32(1) + Self.le32(4) + [0]) == .badLength)
        #expect(try PeerMessage(type: .getHeaders, payload: Self.le32(3) + Self.le32(2000))
                == .getHeaders(HeightRange(startHeight: 3, count: 2000)))
    }

    @Test func blocks_shortTruncatedAndAbsurdCounts() throws {
        let hash = [UInt8](repeating: 0x11, count: 32)
        #expect(Self.reason(.blocks, [1, 0, 0]) == .tooShort)
        #expect(Self.reason(.blocks, Self.le32(2) + hash) == .truncated)
        #expect(Self.reason(.blocks, Self.le32(.max)) == .truncated)
        #expect(try PeerMessage(type: .blocks, payload: Self.le32(0)) == .blocks([]))
        #expect(try PeerMessage(type: .blocks, payload: Self.le32(1) + hash + [1, 2])
                == .blocks([Hash256(bytes: hash)!]))
    }

    @Test func getData_acceptsOnly32Or4Bytes() throws {
        for length in 0...40 where length != 4 && length != 32 {
            #expect(Self.reason(.getData, [UInt8](repeating: 1, count: length)) == .badLength, "\(length)")
        }
        #expect(try PeerMessage(type: .getData, payload: Self.le32(2)) == .getData(.height(2)))
        let hash = [UInt8](repeating: 0x42, count: 32)
        #expect(try PeerMessage(type: .getData, payload: hash) == .getData(.hash(Hash256(bytes: hash)!)))
    }

    @Test func rawPayloadTypes_keepTheirBytes_whateverTheyAre() throws {
        for bytes in [[], [1], [UInt8](repeating: 0xff, count: 1000)] as [[UInt8]] {
            #expect(try PeerMessage(type: .block, payload: bytes) == .block(bytes))
            #expect(try PeerMessage(type: .tx, payload: bytes) == .tx(bytes))
            #expect(try PeerMessage(type: .bloom, payload: bytes) == .bloom(bytes))
        }
    }

    @Test func emptyTypes_ignoreTheirPayload() throws {
        #expect(try PeerMessage(type: .verack, payload: [1, 2]) == .verack)
        #expect(try PeerMessage(type: .getPhase, payload: []) == .getPhase)
    }

    @Test func phase_reasonsInSpecOrder() {
        let ok = Self.f32(0.5) + Self.f32(1) + Self.le32(2) + Self.f32(0.1) + Self.f32(0.2)
        #expect(Self.reason(.phase, ok) == nil)
        #expect(Self.reason(.phase, ok + [1, 2, 3]) == nil, "trailing bytes are ignored")
        #expect(Self.reason(.phase, []) == .tooShort)
        #expect(Self.reason(.phase, Array(ok.prefix(11))) == .tooShort)
        #expect(Self.reason(.phase, Self.f32(.nan) + Self.f32(1) + Self.le32(0)) == .countOutOfRange)
        #expect(Self.reason(.phase, Self.f32(0.5) + Self.f32(1) + Self.le32(10_000)) == .countOutOfRange)
        #expect(Self.reason(.phase, Self.f32(0.5) + Self.f32(1) + Self.le32(.max)) == .countOutOfRange)
        #expect(Self.reason(.phase, Array(ok.prefix(19))) == .truncated)
        #expect(Self.reason(.phase, Self.f32(.nan) + Self.f32(1) + Self.le32(9_999)) == .truncated)
        #expect(Self.reason(.phase, Self.f32(.nan) + Array(ok.dropFirst(4))) == .nonFinite)
        #expect(Self.reason(.phase, Self.f32(0.5) + Self.f32(-.infinity) + Array(ok.dropFirst(8))) == .nonFinite)
        #expect(Self.reason(.phase, Self.f32(1.5) + Array(ok.dropFirst(4)).dropLast(4) + Self.f32(.infinity))
                == .nonFinite, "non_finite is checked before r_out_of_range")
        #expect(Self.reason(.phase, Self.f32(1.5) + Array(ok.dropFirst(4))) == .rOutOfRange)
        #expect(Self.reason(.phase, Self.f32(-0.25) + Array(ok.dropFirst(4))) == .rOutOfRange)
        #expect(Self.reason(.phase, Self.f32(1) + Array(ok.dropFirst(4))) == nil)
        #expect(Self.reason(.phase, Self.f32(0) + Array(ok.dropFirst(4))) == nil)
    }

    @Test func phase_nonFiniteError_pointsAtTheBadPhase() {
        let payload = Self.f32(0.5) + Self.f32(1) + Self.le32(3) + Self.f32(0) + Self.f32(0) + Self.f32(.nan)
        #expect(throws: PayloadError(.phase, .nonFinite, at: 20, field: "phase.phases[2]")) {
            try PhaseMessage(decoding: payload)
        }
    }

    @Test func phase_everyExponentEdge_isFiniteOrNotAsFloatSays_atAnyPosition() {
        let patterns: [UInt32] = [
            0x0000_0000, 0x8000_0000, 0x0000_0001, 0x007f_ffff, 0x0080_0000, 0x3f80_0000, 0x7f7f_ffff, 0xff7f_ffff,
            0x7f80_0000, 0xff80_0000, 0x7f80_0001, 0x7fc0_0000, 0xffc0_0000, 0x7fff_ffff, 0xffff_ffff,
        ]
        for bits in patterns {
            for position in [0, 1, 31, 61, 62] {
                var phases = [UInt8]()
                for index in 0..<63 { phases += index == position ? Self.le32(bits) : Self.f32(1.25) }
                let payload = Self.f32(0.5) + Self.f32(1) + Self.le32(63) + phases
                let expected: PayloadError.Reason? = Float(bitPattern: bits).isFinite ? nil : .nonFinite
                #expect(Self.reason(.phase, payload) == expected, "bits \(String(bits, radix: 16)) at \(position)")
            }
        }
    }

    @Test func phaseEncoder_downsamplesAbove256() {
        #expect(PhaseMessage.downsampleStep(count: 256) == 1)
        #expect(PhaseMessage.downsampleStep(count: 257) == 4)
        #expect(PhaseMessage.downsampleStep(count: 640) == 10)
        #expect(PhaseMessage.selectedIndices(count: 300).count == 75)
        #expect(PhaseMessage.selectedIndices(count: 3) == [0, 1, 2])
        #expect(PhaseMessage.selectedIndices(count: 0) == [])
        let phases = (0..<300).map { Double($0) / 100 }
        let message = PhaseMessage(encoding: phases, r: 0.25, psi: 2)
        #expect(message.phases.count == 75)
        #expect(message.phases[1] == Float(0.04))
        #expect(message.encoded().count == 12 + 4 * 75)
    }

    @Test func coherence_rules() throws {
        #expect(Self.reason(.coherence, Array((Self.f32(0.9) + Self.f32(1)).prefix(7))) == .tooShort)
        #expect(Self.reason(.coherence, Self.f32(.infinity) + Self.f32(1)) == .nonFinite)
        #expect(Self.reason(.coherence, Self.f32(0.5) + Self.f32(.nan)) == .nonFinite)
        #expect(Self.reason(.coherence, Self.f32(1.01) + Self.f32(1)) == .rOutOfRange)
        #expect(Self.reason(.coherence, Self.f32(-0.01) + Self.f32(1)) == .rOutOfRange)
        #expect(try PeerMessage(type: .coherence, payload: Self.f32(0.5) + Self.f32(-3) + [0xff])
                == .coherence(CoherenceMessage(r: 0.5, psi: -3)))
    }

    @Test func headers_countAndLengthRules() throws {
        let header = [UInt8](repeating: 3, count: 92)
        #expect(Self.reason(.headers, [0, 0]) == .tooShort)
        #expect(Self.reason(.headers, Self.le32(2001)) == .countOutOfRange)
        #expect(Self.reason(.headers, Self.le32(.max)) == .countOutOfRange)
        #expect(Self.reason(.headers, Self.le32(2) + header) == .badLength)
        #expect(Self.reason(.headers, Self.le32(1) + header + [0]) == .badLength)
        #expect(try PeerMessage(type: .headers, payload: Self.le32(0)) == .headers([]))
        #expect(try PeerMessage(type: .headers, payload: Self.le32(1) + header) == .headers([header]))
    }

    @Test func getBlockData_andNotFound_countAndLengthRules() throws {
        let hash = [UInt8](repeating: 5, count: 32)
        #expect(Self.reason(.getBlockData, Self.le32(0)) == .countOutOfRange)
        #expect(Self.reason(.getBlockData, Self.le32(129) + [UInt8](repeating: 0, count: 129 * 32)) == .countOutOfRange)
        #expect(Self.reason(.getBlockData, Self.le32(2) + hash) == .badLength)
        #expect(Self.reason(.getBlockData, Self.le32(1) + hash + [0]) == .badLength)
        #expect(Self.reason(.getBlockData, [1, 0]) == .tooShort)
        #expect(try PeerMessage(type: .getBlockData, payload: Self.le32(1) + hash)
                == .getBlockData([Hash256(bytes: hash)!]))
        #expect(try PeerMessage(type: .notFound, payload: Self.le32(0)) == .notFound([]))
        #expect(Self.reason(.notFound, Self.le32(129) + [UInt8](repeating: 0, count: 129 * 32)) == .countOutOfRange)
        #expect(Self.reason(.notFound, Self.le32(1) + hash + [0]) == .badLength)
        #expect(Self.reason(.notFound, Self.le32(.max)) == .countOutOfRange)
    }

    @Test func unknownType_decodesToNil() throws {
        #expect(try PeerMessage(type: MessageType(rawValue: 0x7f), payload: [1, 2]) == nil)
    }

    /// Random payloads of every type code: decoding never traps, and whatever is accepted re-encodes to a payload
    /// that decodes to the same message.
    @Test func randomPayloads_neverCrash_andAcceptedOnesRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for code in 0...255 {
            let type = MessageType(rawValue: UInt8(code))
            for _ in 0..<60 {
                var payload = [UInt8].random(count: Int.random(in: 0...200, using: &rng), using: &rng)
                if payload.count >= 12 && Bool.random(using: &rng) {
                    // Plausible small counts, so the count-bearing decoders reach their later checks.
                    let n = UInt32.random(in: 0...4, using: &rng)
                    payload.replaceSubrange(0..<4, with: Self.le32(n))
                    payload.replaceSubrange(8..<12, with: Self.le32(n))
                }
                guard case .accept(let message) = MessageClassifier.classify(
                    type: type, payload: payload, peerServices: .node
                ) else { continue }
                #expect(message.type == type)
                let again = try PeerMessage(type: type, payload: message.encodedPayload())
                #expect(again == message, "\(type)")
            }
        }
    }
}
