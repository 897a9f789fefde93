import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct TransactionDecodingTests {
    static let transfer = BlockTestFixtures.transfer(seed: 5, inputs: 2, outputs: 3)
    static let inputCountOffset = 4

    static func decodeKind(_ bytes: [UInt8]) -> DecodeError.Kind? {
        do {
            _ = try Transaction(decoding: bytes)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func serializeThenDecode_roundTrips() throws {
        for tx in [Self.transfer, Transaction(inputs: [], outputs: []),
                   Transaction.coinbase(height: 9, address: BlockTestFixtures.address(1), fees: 5, extraData: [1])] {
            let bytes = tx.serialized()
            #expect(bytes.count == tx.serializedSize)
            #expect(bytes.count == 16 + 100 * tx.inputs.count + 40 * tx.outputs.count)
            #expect(try Transaction(decoding: bytes) == tx)
        }
    }

    @Test func decode_whenTruncatedAtEveryLength_throwsTruncated() {
        let bytes = Self.transfer.serialized()
        for length in 0..<bytes.count {
            #expect(Self.decodeKind(Array(bytes.prefix(length))) == .truncated, "prefix \(length)")
        }
    }

    @Test func decode_whenBytesFollowTheLocktime_throwsTrailingBytesAtTheirOffset() {
        let bytes = Self.transfer.serialized()
        do {
            _ = try Transaction(decoding: bytes + [0, 0, 0, 0, 0, 0, 0, 0])
            Issue.record("accepted trailing bytes")
        } catch {
            #expect(error.kind == .trailingBytes)
            #expect(error.offset == bytes.count)
            #expect(ReasonCode(error) == .trailingBytes)
        }
    }

    @Test(arguments: [UInt32.max, 0x8000_0000, 4])
    func decode_whenInputCountExceedsTheBytes_throwsTruncatedWithoutAllocating(_ count: UInt32) {
        var bytes = Self.transfer.serialized()
        bytes.setU32(count, at: Self.inputCountOffset)
        do {
            _ = try Transaction(decoding: bytes)
            Issue.record("accepted input count \(count)")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.field == "tx.input_count")
        }
    }

    @Test func decode_whenOutputCountIsHuge_throwsTruncated() {
        var bytes = Self.transfer.serialized()
        let outputCountOffset = 8 + 100 * Self.transfer.inputs.count
        bytes.setU32(.max, at: outputCountOffset)
        #expect(Self.decodeKind(bytes) == .truncated)
    }

    @Test func readFromReader_leavesFollowingBytes() throws {
        let bytes = Self.transfer.serialized() + [0xEE]
        let remaining = try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> Int in
            _ = try Transaction(from: &reader)
            return reader.remaining
        }
        #expect(remaining == 1)
    }

    @Test func txid_coversSigningBytesOnly() {
        var signed = Self.transfer
        signed.inputs[0].signature = [UInt8](repeating: 0x55, count: 64)
        #expect(signed.txid == Self.transfer.txid)
        #expect(signed.serialized() != Self.transfer.serialized())
        #expect(Self.transfer.txid == SHA256d.hash(Self.transfer.signingBytes()))
        #expect(Self.transfer.signingBytes().count == Self.transfer.serializedSize - 64 * Self.transfer.inputs.count)
        var relocked = Self.transfer
        relocked.locktime += 1
        #expect(relocked.txid != Self.transfer.txid)
    }

    @Test func serialize_padsOrCutsSignaturesTo64Bytes() throws {
        var tx = Self.transfer
        tx.inputs[0].signature = [1, 2, 3]
        tx.inputs[1].signature = [UInt8](repeating: 9, count: 80)
        let decoded = try Transaction(decoding: tx.serialized())
        #expect(decoded.inputs[0].signature == [1, 2, 3] + [UInt8](repeating: 0, count: 61))
        #expect(decoded.inputs[1].signature == [UInt8](repeating: 9, count: 64))
    }
}

@Suite(.dedicatedThread) struct TransactionRuleTests {
    static let cap = BloomConstants.maxSupply

    static func tx(amounts: [UInt64], inputs: Int = 1) -> Transaction {
        var tx = BlockTestFixtures.transfer(seed: 7, inputs: inputs, outputs: amounts.count)
        for (i, amount) in amounts.enumerated() { tx.outputs[i].amount = amount }
        return tx
    }

    @Test func structure_requiresInputsAndOutputs() {
        #expect(Self.tx(amounts: [1]).hasValidStructure)
        #expect(!Self.tx(amounts: [1], inputs: 0).hasValidStructure)
        #expect(!Self.tx(amounts: []).hasValidStructure)
    }

    @Test func structure_capsEachAmountAndTheSumWithoutOverflow() {
        #expect(Self.tx(amounts: [Self.cap]).hasValidStructure)
        #expect(!Self.tx(amounts: [Self.cap + 1]).hasValidStructure)
        #expect(!Self.tx(amounts: [UInt64.max]).hasValidStructure)
        #expect(!Self.tx(amounts: [1 << 63]).hasValidStructure)
        #expect(Self.tx(amounts: [Self.cap - 1, 1]).hasValidStructure)
        #expect(!Self.tx(amounts: [Self.cap, 1]).hasValidStructure)
        // 9000 capped outputs sum past 2^64: must be rejected, not wrap around to something small.
        let overflowing = Self.tx(amounts: [UInt64](repeating: Self.cap, count: 9000))
        #expect(!overflowing.hasValidStructure)
        #expect(overflowing.outputTotal == nil)
        #expect(Self.tx(amounts: [UInt64](repeating: Self.cap, count: 10)).outputTotal == 10 * Self.cap)
        #expect(Self.tx(amounts: [3, 4]).outputTotal == 7)
    }

    @Test func coinbaseShape_isExactlyOneInputFromTheZeroHash() {
        let coinbase = Transaction.coinbase(height: 3, address: BlockTestFixtures.address(1), fees: 0, extraData: [])
        #expect(coinbase.isCoinbaseShaped)
        var twoInputs = coinbase
        twoInputs.inputs.append(coinbase.inputs[0])
        #expect(!twoInputs.isCoinbaseShaped)
        #expect(!BlockTestFixtures.transfer(seed: 1, inputs: 1).isCoinbaseShaped)
        #expect(!Transaction(inputs: [], outputs: coinbase.outputs).isCoinbaseShaped)
    }

    @Test func coinbase_storesHeightAndExtraData_andPaysRewardPlusFees() {
        let extra = [UInt8](0..<100)
        let coinbase = Transaction.coinbase(height: 15_127, address: BlockTestFixtures.address(2), fees: 10,
                                            extraData: extra)
        #expect(coinbase.version == 1 && coinbase.locktime == 0)
        #expect(coinbase.inputs.count == 1 && coinbase.outputs.count == 1)
        #expect(coinbase.inputs[0].outputIndex == 15_127)
        #expect(coinbase.inputs[0].signature == Array(extra.prefix(64)))
        #expect(coinbase.outputs[0].amount == BloomConstants.initialReward / 2 + 10)
        #expect(coinbase.outputs[0].address == BlockTestFixtures.address(2))
        let other = Transaction.coinbase(height: 15_127, address: BlockTestFixtures.address(2), fees: 10,
                                         extraData: [])
        #expect(other.txid == coinbase.txid, "extra data is outside the txid")
        let saturated = Transaction.coinbase(height: 0, address: .zero, fees: .max, extraData: [])
        #expect(saturated.outputs[0].amount == .max)
    }

    @Test func blockReward_halvesEveryIntervalAndEndsAfter64Halvings() {
        let interval = UInt64(BloomConstants.halvingInterval)
        #expect(Transaction.blockReward(height: 0) == BloomConstants.initialReward)
        #expect(Transaction.blockReward(height: interval - 1) == BloomConstants.initialReward)
        #expect(Transaction.blockReward(height: interval) == BloomConstants.initialReward >> 1)
        #expect(Transaction.blockReward(height: 63 * interval) == BloomConstants.initialReward >> 63)
        #expect(Transaction.blockReward(height: 64 * interval) == 0)
        #expect(Transaction.blockReward(height: .max) == 0)
    }
}
