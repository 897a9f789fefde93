import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct GenesisTests {
    @Test func linspace_endsExactlyAtTheSpanWithEvenSteps() {
        let phases = Genesis.linspace(count: 63)
        #expect(phases.count == 63)
        #expect(phases.first == 0)
        #expect(phases.last == 0.1)
        #expect(phases[10] == 10 * (0.1 / 62))
        #expect(Genesis.linspace(count: 1) == [0])
        #expect(Genesis.linspace(count: 0).isEmpty)
    }

    @Test func block_usesTheSpecParameters() {
        let block = Genesis.block()
        #expect(block.transactions.isEmpty)
        #expect(block.header.merkleRoot == .zero && block.header.prevHash == .zero)
        #expect(block.header.nonce == BloomConstants.genesisNonce)
        #expect(block.header.difficulty == BloomConstants.genesisDifficulty)
        #expect(block.header.oscillatorCount == 63 && block.certificate.finalPhases.count == 63)
        #expect(block.certificate.bloomStart == 0 && block.certificate.bloomEnd == 6)
        #expect(block.certificate.rValues.allSatisfy { $0 == block.header.orderParameter })
        #expect(block.certificate.psiValues.allSatisfy { $0 == block.header.meanPhase })
    }

    @Test func hash_isSHA256dOfTheLucasPrefixAndTheHeader_andIsTheSpecCheckpoint() {
        let header = Genesis.block().header
        // §3.2: bloom_hash = SHA256d(u32 LE L_(nonce mod 1000) ‖ header92); §4.8: nonce 7, prefix L₇ = 29.
        let preimage: [UInt8] = [29, 0, 0, 0] + header.encoded()
        #expect(header.hashPreimage == preimage)
        #expect(Genesis.hash == SHA256d.hash(preimage))
        // §4.8 writes the consensus checkpoint in its text.
        #expect(Genesis.hash.hex == "1a63c5e07a79be7a693111e0680f12dc2da17d795b736acccea06c0db3788e49")
    }

    @Test func block_withRewardAddressHasACoinbaseAsMerkleRoot() {
        let block = Genesis.block(rewardAddress: BlockTestFixtures.address(4))
        #expect(block.transactions.count == 1)
        #expect(block.transactions[0].isCoinbaseShaped)
        #expect(block.transactions[0].outputs[0].amount == BloomConstants.initialReward)
        #expect(block.header.merkleRoot == block.transactions[0].txid)
        #expect(block.hash != Genesis.hash)
    }
}
