import BloomChain
import BloomCore
import BloomTestSupport
import Testing

/// The engine's step-8 rules, its bookkeeping and its queries, on fixture chains.
@Suite(.dedicatedThread) struct ChainEngineTests {
    @Test func init_onAnEmptyStore_storesTheGenesisAsTheTip() throws {
        let engine = try Fixture.engine()
        #expect(engine.tip == ChainTip(hash: Fixture.genesis.hash, height: 0))
        let info = try engine.chainInfo()
        #expect(info.totalWork == UInt64(Fixture.genesis.header.difficulty))
        #expect(info.totalTransactions == 0 && info.utxoCount == 0 && info.totalValue == 0)
        #expect(try engine.blockBytes(Fixture.genesis.hash) == Fixture.genesis.serialized())
    }

    @Test func init_onAStoreOfAnotherChain_throwsGenesisMismatch() throws {
        let engine = try Fixture.engine()
        let other = Genesis.block(timestamp: BloomConstants.genesisTimestamp + 1)
        #expect(throws: ChainError.self) { try ChainEngine(store: engine.store, genesis: other) }
        let reopened = try ChainEngine(store: engine.store, genesis: Fixture.genesis)
        #expect(reopened.tip == engine.tip)
    }

    @Test func submit_withTransfers_updatesUTXOsAndTotals() throws {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        let reward = Fixture.reward(1)
        let split = FixtureBlocks.transfer(
            spending: [Fixture.coinbaseOutput(of: b1)],
            to: [TxOutput(amount: 100, address: Fixture.bob), TxOutput(amount: reward - 150, address: Fixture.carol)]
        )
        let b2 = Fixture.child(of: b1, height: 2, transfers: [split])
        try engine.submit(b1)
        let verdict = try engine.submit(b2)
        #expect(verdict.verdict == .accept && verdict.reason == .valid)
        #expect(verdict.effects.connected == [b2.hash])

        let info = try engine.chainInfo()
        #expect(info.height == 2)
        #expect(info.totalTransactions == 3)
        #expect(info.totalWork == 3 * UInt64(Fixture.genesis.header.difficulty))
        // Coinbase 2 plus two outputs of the split; the 50 units of fee are burned.
        #expect(info.utxoCount == 3)
        #expect(info.totalValue == Fixture.reward(2) + reward - 50)
        #expect(try engine.utxo(Fixture.coinbaseOutput(of: b1)) == nil)
        #expect(
            try engine.utxo(OutPoint(txid: split.txid, index: 0))
                == UTXOEntry(amount: 100, address: Fixture.bob, height: 2, isCoinbase: false)
        )
        #expect(try engine.utxo(Fixture.coinbaseOutput(of: b2))?.isCoinbase == true)
    }

    @Test func submit_whenAnInputIsSpentTwiceInTheBlock_rejectsWithDoubleSpend() throws {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        try engine.submit(b1)
        let spent = Fixture.coinbaseOutput(of: b1)
        let first = Fixture.pay(spent, amount: 5, to: Fixture.bob)
        let second = Fixture.pay(spent, amount: 6, to: Fixture.carol)
        let verdict = try engine.submit(Fixture.child(of: b1, height: 2, transfers: [first, second]))
        #expect(verdict.verdict == .reject && verdict.reason == .doubleSpend)
    }

    @Test func submit_whenATransferSpendsAnOutputOfTheSameBlock_rejectsWithMissingUTXO() throws {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        try engine.submit(b1)
        let first = Fixture.pay(Fixture.coinbaseOutput(of: b1), amount: 5, to: Fixture.bob)
        let chained = Fixture.pay(OutPoint(txid: first.txid, index: 0), amount: 5, to: Fixture.carol)
        let verdict = try engine.submit(Fixture.child(of: b1, height: 2, transfers: [first, chained]))
        #expect(verdict.verdict == .reject && verdict.reason == .missingUTXO)
    }

    @Test func submit_whenOutputsExceedInputs_rejectsWithValueOutGtIn() throws {
        let engine = try Fixture.engine()
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        try engine.submit(b1)
        let inflating = Fixture.pay(Fixture.coinbaseOutput(of: b1), amount: Fixture.reward(1) + 1, to: Fixture.bob)
        let verdict = try engine.submit(Fixture.child(of: b1, height: 2, transfers: [inflating]))
        #expect(verdict.verdict == .reject && verdict.reason == .valueOutGtIn)
        #expect(engine.tip.hash == b1.hash)
    }

    @Test func submit_anEmptyBlock_isAcceptedAsValidEmptyBlock() throws {
        let engine = try Fixture.engine()
        let verdict = try engine.submit(Fixture.child(of: Fixture.genesis, height: 1, reward: nil))
        #expect(verdict.verdict == .accept && verdict.reason == .validEmptyBlock)
    }

    @Test func submit_oversizedOrUndecodableBytes_rejectsWithoutAHash() throws {
        let engine = try Fixture.engine()
        let oversized = [UInt8](repeating: 0, count: BloomConstants.maxBlockSize + 1)
        let tooLarge = try engine.submit(oversized, now: Fixture.now)
        #expect(tooLarge.verdict == .reject && tooLarge.reason == .blockTooLarge && tooLarge.hash == nil)
        let truncated = try engine.submit(Array(Fixture.genesis.serialized().dropLast()), now: Fixture.now)
        #expect(truncated.verdict == .reject && truncated.reason == .decodeError && truncated.hash == nil)
    }

    @Test func queries_returnMainChainHashesAndHeadersFromAHeight_stoppingAtTheTip() throws {
        let engine = try Fixture.engine()
        let blocks = Fixture.chain(on: Fixture.genesis, parentHeight: 0, count: 4)
        for block in blocks { try engine.submit(block) }
        #expect(try engine.hashes(fromHeight: 2, count: 10) == blocks[1...].map(\.hash))
        #expect(try engine.headers(fromHeight: 0, count: 2) == [Fixture.genesis.header, blocks[0].header])
        #expect(try engine.hashes(fromHeight: 5, count: 3).isEmpty)
        #expect(try engine.hashes(fromHeight: 1, count: 0).isEmpty)
        #expect(try engine.hashes(fromHeight: UInt32.max, count: Int.max).isEmpty)
        #expect(try engine.header(blocks[3].hash) == blocks[3].header)
        #expect(try engine.entry(blocks[3].hash)?.height == 4)
    }
}

/// The fixture builders themselves: what they produce must pass the context-free checks.
@Suite(.dedicatedThread) struct FixtureBlocksTests {
    @Test(arguments: [7, 63, 1000])
    func certificate_fromLinspacePhases_verifies(oscillatorCount: Int) {
        #expect(FixtureBlocks.certificate(oscillatorCount: oscillatorCount).verify() == nil)
    }

    @Test func child_passesTheStructureChecks_andLinksToItsParent() {
        let block = Fixture.child(of: Fixture.genesis, height: 1)
        #expect(block.checkStructure() == nil)
        #expect(block.header.prevHash == Fixture.genesis.hash)
        #expect(block.header.timestamp > Fixture.genesis.header.timestamp)
    }
}
