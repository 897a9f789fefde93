import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct HeaderDecodingTests {
    static let header = BlockTestFixtures.block().header
    /// Offsets of §4.1.
    static let rOffset = 80, meanPhaseOffset = 84, nOffset = 88

    static func withField(_ bits: UInt32, at offset: Int) -> [UInt8] {
        var bytes = header.encoded()
        bytes.setU32(bits, at: offset)
        return bytes
    }

    @Test func encodeThenDecode_roundTripsEveryField() throws {
        let bytes = Self.header.encoded()
        #expect(bytes.count == BlockHeader.size)
        #expect(try BlockHeader(decoding: bytes) == Self.header)
    }

    @Test func decode_whenTruncatedAtEveryLength_throwsTruncated() {
        let bytes = Self.header.encoded()
        for length in 0..<bytes.count {
            #expect(throws: DecodeError.self, "prefix \(length)") { try BlockHeader(decoding: bytes.prefix(length)) }
            do {
                _ = try BlockHeader(decoding: Array(bytes.prefix(length)))
            } catch {
                #expect(error.kind == .truncated, "prefix \(length)")
                #expect(ReasonCode(error) == .decodeError)
            }
        }
    }

    @Test func decode_whenLongerThan92Bytes_isADecodeError() {
        for extra in [1, 8, 1000] {
            let bytes = Self.header.encoded() + [UInt8](repeating: 0, count: extra)
            do {
                _ = try BlockHeader(decoding: bytes)
                Issue.record("accepted \(bytes.count) bytes")
            } catch {
                #expect(ReasonCode(error) == .decodeError)
            }
        }
    }

    @Test(arguments: [
        Float.nan, -Float.nan, .infinity, -.infinity, 1.5, -0.25, 1.0000001, -Float.leastNonzeroMagnitude,
    ])
    func decode_whenOrderParameterOutsideUnitIntervalOrNaN_throwsInvalidValueAtItsOffset(_ r: Float) {
        do {
            _ = try BlockHeader(decoding: Self.withField(r.bitPattern, at: Self.rOffset))
            Issue.record("accepted r = \(r)")
        } catch {
            #expect(error.kind == .invalidValue)
            #expect(error.offset == Self.rOffset)
        }
    }

    @Test(arguments: [Float(0), -Float(0), 1, BloomConstants.zCWire])
    func decode_whenOrderParameterAtTheEdges_accepts(_ r: Float) throws {
        let header = try BlockHeader(decoding: Self.withField(r.bitPattern, at: Self.rOffset))
        #expect(header.orderParameter.bitPattern == r.bitPattern)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity, -7.5])
    func decode_acceptsAnyMeanPhase(_ psi: Float) throws {
        let header = try BlockHeader(decoding: Self.withField(psi.bitPattern, at: Self.meanPhaseOffset))
        #expect(header.meanPhase.bitPattern == psi.bitPattern)
    }

    @Test func decode_whenOscillatorCountZero_throwsInvalidValue_andOneOrMaxDecodes() throws {
        #expect(throws: DecodeError(.invalidValue, at: Self.nOffset, field: "header.oscillator_count",
                                    detail: "N = 0")) {
            try BlockHeader(decoding: Self.withField(0, at: Self.nOffset))
        }
        #expect(try BlockHeader(decoding: Self.withField(1, at: Self.nOffset)).oscillatorCount == 1)
        #expect(try BlockHeader(decoding: Self.withField(.max, at: Self.nOffset)).oscillatorCount == .max)
    }

    @Test func readFromReader_consumesExactly92Bytes_andReportsOffsetsRelativeToBase() throws {
        let bytes = Self.header.encoded() + [1, 2, 3]
        let (header, remaining) = try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) in
            (try BlockHeader(from: &reader), reader.remaining)
        }
        #expect(header == Self.header)
        #expect(remaining == 3)
        let bad = Self.withField(Float.nan.bitPattern, at: Self.rOffset)
        do {
            _ = try bad.withByteReader(base: 1000) { (reader: inout ByteReader) throws(DecodeError) in
                try BlockHeader(from: &reader)
            }
            Issue.record("accepted NaN r")
        } catch {
            #expect(error.offset == 1000 + Self.rOffset)
        }
    }

    @Test func hash_isSHA256dOfLucasPrefixAndHeader() {
        for nonce: UInt32 in [0, 1, 7, 999, 1000, 1007, .max] {
            var header = Self.header
            header.nonce = nonce
            var prefix = ByteWriter()
            prefix.u32(Lucas.trace(UInt64(nonce % 1000)))
            let preimage = prefix.bytes + header.encoded()
            #expect(header.hashPreimage == preimage)
            #expect(header.hash == SHA256d.hash(preimage), "nonce \(nonce)")
        }
    }

    @Test func hash_changesWithEveryField() {
        let base = Self.header
        var variants: [BlockHeader] = []
        var h = base; h.version += 1; variants.append(h)
        h = base; h.prevHash = BlockTestFixtures.address(9); variants.append(h)
        h = base; h.merkleRoot = BlockTestFixtures.address(9); variants.append(h)
        h = base; h.timestamp += 1; variants.append(h)
        h = base; h.difficulty += 1; variants.append(h)
        h = base; h.nonce += 1000; variants.append(h)
        h = base; h.orderParameter = h.orderParameter.nextDown; variants.append(h)
        h = base; h.meanPhase = h.meanPhase.nextUp; variants.append(h)
        h = base; h.oscillatorCount += 1; variants.append(h)
        let hashes = Set(variants.map(\.hash) + [base.hash])
        #expect(hashes.count == variants.count + 1)
    }
}
