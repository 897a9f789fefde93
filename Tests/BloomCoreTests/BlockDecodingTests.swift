import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct BlockDecodingTests {
    static let block = BlockTestFixtures.block()
    static let bytes = block.serialized()
    static let certLengthOffset = BlockHeader.size
    static var txCountOffset: Int { certLengthOffset + 4 + block.certificate.serializedSize }
    static var firstTxLengthOffset: Int { txCountOffset + 4 }

    @Test func serializeThenDecode_roundTrips() throws {
        for block in [Self.block, Genesis.block(), Genesis.block(rewardAddress: BlockTestFixtures.address(3))] {
            let bytes = block.serialized()
            #expect(bytes.count == block.serializedSize)
            let decoded = try Block(decoding: bytes)
            #expect(decoded == block)
            #expect(decoded.hash == block.header.hash)
        }
    }

    @Test func genesisSize_is432BytesAsTheSpecSays() {
        #expect(Genesis.block().serialized().count == 432)
    }

    @Test func decode_whenTruncatedAtEveryLength_isDecodeError() {
        for length in 0..<Self.bytes.count {
            #expect(BlockTestFixtures.decodeReason(Array(Self.bytes.prefix(length))) == .decodeError,
                    "prefix \(length)")
        }
    }

    @Test func decode_whenBytesFollowTheLastTransaction_isTrailingBytes() {
        #expect(BlockTestFixtures.decodeReason(Self.bytes + [UInt8](repeating: 0, count: 16)) == .trailingBytes)
        let empty = Genesis.block().serialized()
        #expect(BlockTestFixtures.decodeReason(empty + [0]) == .trailingBytes)
    }

    @Test func decode_whenCertificateSliceHasPadding_isLengthMismatch() {
        var bytes = Self.bytes
        let length = bytes.u32(at: Self.certLengthOffset)
        bytes.setU32(length + 8, at: Self.certLengthOffset)
        bytes.insert(contentsOf: [UInt8](repeating: 0, count: 8), at: Self.txCountOffset)
        #expect(BlockTestFixtures.decodeReason(bytes) == .lengthMismatch)
    }

    @Test func decode_whenTransactionSliceHasPadding_isLengthMismatch() {
        var bytes = Self.bytes
        let length = bytes.u32(at: Self.firstTxLengthOffset)
        bytes.setU32(length + 4, at: Self.firstTxLengthOffset)
        bytes.insert(contentsOf: [0, 0, 0, 0], at: Self.firstTxLengthOffset + 4 + Int(length))
        #expect(BlockTestFixtures.decodeReason(bytes) == .lengthMismatch)
    }

    @Test func decode_whenCertificateNeedsMoreThanItsSlice_isDecodeErrorEvenWithBytesAfterIt() {
        var bytes = Self.bytes
        let length = bytes.u32(at: Self.certLengthOffset)
        bytes.setU32(length - 4, at: Self.certLengthOffset)
        #expect(BlockTestFixtures.decodeReason(bytes) == .decodeError)
        do {
            _ = try Block(decoding: bytes)
        } catch {
            #expect(error.underlying?.kind == .truncated)
            #expect(error.underlying?.field == "certificate.final_phases"
                || error.underlying?.field == "certificate.oscillator_count")
        }
    }

    @Test func decode_reportsOffsetsWithinTheWholeBlock() {
        var padded = Self.bytes
        let length = padded.u32(at: Self.firstTxLengthOffset)
        padded.setU32(length + 4, at: Self.firstTxLengthOffset)
        let sliceEnd = Self.firstTxLengthOffset + 4 + Int(length)
        padded.insert(contentsOf: [0, 0, 0, 0], at: sliceEnd)
        do {
            _ = try Block(decoding: padded)
            Issue.record("accepted a padded transaction slice")
        } catch {
            #expect(error.underlying?.kind == .lengthMismatch)
            #expect(error.underlying?.offset == sliceEnd)
        }
        var badR = Self.bytes
        badR.setU32(Float.nan.bitPattern, at: 80)
        do {
            _ = try Block(decoding: badR)
            Issue.record("accepted NaN r")
        } catch {
            #expect(error.underlying?.offset == 80)
        }
    }

    @Test func decode_whenTransactionNeedsMoreThanItsSlice_isDecodeError() {
        var bytes = Self.bytes
        let length = bytes.u32(at: Self.firstTxLengthOffset)
        bytes.setU32(length - 1, at: Self.firstTxLengthOffset)
        #expect(BlockTestFixtures.decodeReason(bytes) == .decodeError)
    }

    @Test(arguments: [UInt32.max, 0x8000_0000, 100_000])
    func decode_whenLengthsRunPastTheEnd_isDecodeError(_ length: UInt32) {
        var cert = Self.bytes
        cert.setU32(length, at: Self.certLengthOffset)
        #expect(BlockTestFixtures.decodeReason(cert) == .decodeError)
        var tx = Self.bytes
        tx.setU32(length, at: Self.firstTxLengthOffset)
        #expect(BlockTestFixtures.decodeReason(tx) == .decodeError)
    }

    @Test(arguments: [UInt32.max, 0x1000_0000, 5])
    func decode_whenTransactionCountExceedsTheBytes_isDecodeErrorWithoutAllocating(_ count: UInt32) {
        var bytes = Self.bytes
        bytes.setU32(count, at: Self.txCountOffset)
        #expect(BlockTestFixtures.decodeReason(bytes) == .decodeError)
    }

    @Test func decode_whenTransactionCountIsLower_isTrailingBytes() {
        var bytes = Self.bytes
        bytes.setU32(UInt32(Self.block.transactions.count - 1), at: Self.txCountOffset)
        #expect(BlockTestFixtures.decodeReason(bytes) == .trailingBytes)
    }

    @Test func decode_whenHeaderIsInvalid_isDecodeError() {
        var nanR = Self.bytes
        nanR.setU32(Float.nan.bitPattern, at: 80)
        #expect(BlockTestFixtures.decodeReason(nanR) == .decodeError)
        var zeroN = Self.bytes
        zeroN.setU32(0, at: 88)
        #expect(BlockTestFixtures.decodeReason(zeroN) == .decodeError)
    }

    @Test func decode_checksTheSizeLimitBeforeDecoding() {
        let limit = BloomConstants.maxBlockSize
        #expect(BlockTestFixtures.decodeReason([UInt8](repeating: 0, count: limit + 1)) == .blockTooLarge)
        #expect(BlockTestFixtures.decodeReason([UInt8](repeating: 0, count: limit)) == .decodeError)
        do {
            _ = try Block(decoding: [UInt8](repeating: 0xFF, count: limit + 1))
        } catch {
            #expect(error.reason == .blockTooLarge && error.underlying == nil)
        }
    }

    @Test func decode_acceptsTheLargestBlockUnderTheLimit() throws {
        // Every block field is a multiple of 4 bytes and the limit is odd, so the largest block is limit − 1
        // bytes: fill with 40-byte outputs, then with 4-byte phases.
        var block = Self.block
        let outputs = (BloomConstants.maxBlockSize - block.serializedSize) / TxOutput.size
        block.transactions[1].outputs += Array(repeating: TxOutput(amount: 1, address: .zero), count: outputs)
        let phases = (BloomConstants.maxBlockSize - block.serializedSize) / 4
        block.certificate.finalPhases += Array(repeating: 0.05, count: phases)
        block.certificate.oscillatorCount += UInt32(phases)
        block = BlockTestFixtures.resealed(block)
        let bytes = block.serialized()
        #expect(bytes.count == BloomConstants.maxBlockSize - 1)
        #expect(try Block(decoding: bytes) == block)
        #expect(BlockTestFixtures.decodeReason(bytes + [0]) == .trailingBytes)
        #expect(BlockTestFixtures.decodeReason(bytes + [0, 0]) == .blockTooLarge)
    }
}
