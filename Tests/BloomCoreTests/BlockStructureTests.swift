import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct BlockStructureTests {
    static let valid = BlockTestFixtures.block()

    static func check(_ change: (inout Block) -> Void) -> ReasonCode? {
        var block = valid
        change(&block)
        return block.checkStructure()
    }

    @Test func checkStructure_acceptsValidBlocks() {
        #expect(Self.valid.checkStructure() == nil)
        #expect(Self.valid.checkStructure(txids: Self.valid.txids) == nil)
        #expect(Genesis.block().checkStructure() == nil)
        #expect(Genesis.block(rewardAddress: BlockTestFixtures.address(1)).checkStructure() == nil)
        #expect(Genesis.block(oscillatorCount: BloomConstants.l4).checkStructure() == nil)
    }

    @Test func checkStructure_runsTheCertificateChecksFirst() {
        #expect(Self.check { $0.certificate.threshold = 0.5; $0.header.orderParameter = 0.1 } == .certThresholdNotZC)
        #expect(Self.check { $0.certificate.finalPhases[0] = .nan; $0.header.merkleRoot = .zero } == .certNaN)
        #expect(Self.check { $0.certificate.bloomEnd = 3 } == .certDurationLtL4)
    }

    @Test func checkStructure_headerRMustBeFiniteAndAtLeastTheF64ZC() {
        // The f32 Z_C is below the f64 Z_C: a header r of exactly the f32 Z_C fails.
        #expect(Self.check { $0.header.orderParameter = BloomConstants.zCWire } == .headerRBelowZC)
        #expect(Self.check { $0.header.orderParameter = Float(BloomConstants.zC).nextUp } == .headerCertRMismatch)
        #expect(Self.check { $0.header.orderParameter = 0.5 } == .headerRBelowZC)
        #expect(Self.check { $0.header.orderParameter = .nan } == .headerRBelowZC)
        #expect(Self.check { $0.header.orderParameter = .infinity } == .headerRBelowZC)
    }

    @Test func checkStructure_boundsHeaderNAndMatchesItWithTheCertificate() {
        #expect(Self.check { $0.header.oscillatorCount = 6 } == .nBelowL4)
        #expect(Self.check { $0.header.oscillatorCount = UInt32(BloomConstants.maxOscillatorCount + 1) } == .nAboveMax)
        #expect(Self.check { $0.header.oscillatorCount += 1 } == .headerCertNMismatch)
    }

    @Test func checkStructure_headerRMustEqualTheLastCertificateRBitForBit() {
        #expect(Self.check { $0.header.orderParameter = $0.header.orderParameter.nextDown } == .headerCertRMismatch)
        #expect(Self.check { $0.certificate.rValues[6] = $0.certificate.rValues[6].nextDown } == .headerCertRMismatch)
    }

    @Test func checkStructure_headerMeanPhaseMustBeFinite_butNeedNotMatchPsi() {
        #expect(Self.check { $0.header.meanPhase = .nan } == .certNaN)
        #expect(Self.check { $0.header.meanPhase = -.infinity } == .certNaN)
        #expect(Self.check { $0.header.meanPhase = 3 } == nil)
    }

    @Test func checkStructure_checksTheMerkleRootEvenForEmptyBlocks() {
        #expect(Self.check { $0.header.merkleRoot = BlockTestFixtures.address(1) } == .merkleMismatch)
        #expect(Self.check { $0.transactions = []; $0.header.merkleRoot = .zero } == nil)
        #expect(Self.check { $0.transactions = [] } == .merkleMismatch)
        // The Merkle check comes before the transaction checks.
        #expect(Self.check { $0.transactions[1].inputs = [] } == .merkleMismatch)
    }

    @Test func checkStructure_thenTransactionStructure_inBlockOrder() {
        #expect(Self.check { $0.transactions[2].outputs = []; $0 = BlockTestFixtures.resealed($0) } == .txStructure)
        #expect(Self.check {
            $0.transactions[0].outputs[0].amount = BloomConstants.maxSupply + 1
            $0 = BlockTestFixtures.resealed($0)
        } == .txStructure)
        // A malformed transaction wins over a misplaced coinbase behind it.
        #expect(Self.check {
            $0.transactions[1].inputs = []
            $0.transactions.swapAt(0, 2)
            $0 = BlockTestFixtures.resealed($0)
        } == .txStructure)
    }

    @Test func checkStructure_requiresACoinbaseFirstAndNoOther() {
        #expect(Self.check { $0.transactions.removeFirst(); $0 = BlockTestFixtures.resealed($0) }
            == .firstTxNotCoinbase)
        #expect(Self.check {
            $0.transactions.append(Transaction.coinbase(height: 2, address: .zero, fees: 0, extraData: []))
            $0 = BlockTestFixtures.resealed($0)
        } == .extraCoinbase)
        #expect(Self.check {
            $0.transactions.swapAt(0, 1)
            $0 = BlockTestFixtures.resealed($0)
        } == .firstTxNotCoinbase)
    }

    @Test func checkStructure_rejectsDuplicateTxids_includingTheMerklePaddingAttack() {
        // Four transactions; repeating the last one... gives a list of five whose root differs, so use three:
        // an odd level duplicates its last node, so [a, b, c] and [a, b, c, c] share a root (CVE-2012-2459).
        let three = BlockTestFixtures.resealed(
            BlockTestFixtures.block(transactions: Array(Self.valid.transactions.prefix(3))))
        #expect(three.checkStructure() == nil)
        var padded = three
        padded.transactions.append(three.transactions[2])
        #expect(MerkleTree.root(padded.txids) == three.header.merkleRoot)
        #expect(padded.hash == three.hash)
        #expect(padded.checkStructure() == .doubleSpend)
        // A duplicate with a different signature has the same txid too.
        #expect(Self.check {
            var copy = $0.transactions[1]
            copy.inputs[0].signature = [UInt8](repeating: 0xEE, count: 64)
            $0.transactions.append(copy)
            $0 = BlockTestFixtures.resealed($0)
        } == .doubleSpend)
    }
}
