import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct MempoolTests {
    /// A chain of `count` blocks paying Alice, on a fresh in-memory engine.
    private func chain(_ count: Int) throws -> (ChainEngine<InMemoryChainStore>, [Block]) {
        let engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: count)
        for block in blocks { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        return (engine, blocks)
    }

    private func spend(_ block: Block, height: UInt32, fee: UInt64 = 0, to: Hash256 = SyncFixture.bob) -> Transaction {
        SyncFixture.pay(SyncFixture.coinbaseOutput(of: block), amount: SyncFixture.reward(height), to: to, fee: fee)
    }

    @Test func add_whenValid_poolsItOnce_andADuplicateIsAlreadyKnown() throws {
        let (engine, blocks) = try chain(2)
        var pool = Mempool()
        let tx = spend(blocks[0], height: 1, fee: 5)
        let entry = try pool.add(payload: tx.serialized(), utxo: engine.utxo).get()
        #expect(entry.txid == tx.txid && entry.fee == 5 && entry.size == tx.serialized().count)
        #expect(try pool.add(tx, utxo: engine.utxo) == .failure(.alreadyKnown))
        #expect(pool.count == 1 && pool.totalBytes == entry.size)
    }

    @Test func add_whenInvalid_refusesWithTheReason() throws {
        let (engine, blocks) = try chain(2)
        var pool = Mempool()
        let coinbase = SyncFixture.coinbaseOutput(of: blocks[0])
        let reward = SyncFixture.reward(1)

        let truncated = Array(spend(blocks[0], height: 1).serialized().dropLast())
        guard case .failure(.decode) = try pool.add(payload: truncated, utxo: engine.utxo) else {
            Issue.record("a truncated payload must be a decode failure")
            return
        }
        let noOutputs = FixtureBlocks.transfer(spending: [coinbase], to: [])
        #expect(try pool.add(noOutputs, utxo: engine.utxo) == .failure(.structure))
        let mint = Transaction.coinbase(height: 9, address: SyncFixture.bob, fees: 0, extraData: [])
        #expect(try pool.add(mint, utxo: engine.utxo) == .failure(.coinbase))
        let twice = FixtureBlocks.transfer(
            spending: [coinbase, coinbase],
            to: [TxOutput(amount: 1, address: SyncFixture.bob)]
        )
        #expect(try pool.add(twice, utxo: engine.utxo) == .failure(.duplicateInput(coinbase)))
        let unknown = OutPoint(txid: SyncFixture.address(0x77), index: 0)
        #expect(
            try pool.add(SyncFixture.pay(unknown, amount: 1, to: SyncFixture.bob), utxo: engine.utxo)
                == .failure(.missingInput(unknown))
        )
        let greedy = SyncFixture.pay(coinbase, amount: reward + 1, to: SyncFixture.bob)
        #expect(try pool.add(greedy, utxo: engine.utxo) == .failure(.valueOutGreaterThanIn))
        #expect(pool.count == 0)
    }

    @Test func add_whenAnotherPooledTransactionSpendsTheSameOutpoint_refusesTheConflict() throws {
        let (engine, blocks) = try chain(2)
        var pool = Mempool()
        let first = spend(blocks[0], height: 1, to: SyncFixture.bob)
        let second = spend(blocks[0], height: 1, to: SyncFixture.alice)
        _ = try pool.add(first, utxo: engine.utxo).get()
        #expect(
            try pool.add(second, utxo: engine.utxo)
                == .failure(.conflict(SyncFixture.coinbaseOutput(of: blocks[0]), spentBy: first.txid))
        )
    }

    @Test func add_whenCountOrBytesBoundIsReached_refusesAsFull() throws {
        let (engine, blocks) = try chain(4)
        var byCount = Mempool(
            configuration: {
                var c = Mempool.Configuration()
                c.maxTransactions = 2
                return c
            }()
        )
        _ = try byCount.add(spend(blocks[0], height: 1), utxo: engine.utxo).get()
        _ = try byCount.add(spend(blocks[1], height: 2), utxo: engine.utxo).get()
        #expect(try byCount.add(spend(blocks[2], height: 3), utxo: engine.utxo) == .failure(.full))

        let size = spend(blocks[0], height: 1).serialized().count
        var byBytes = Mempool(
            configuration: {
                var c = Mempool.Configuration()
                c.maxBytes = size * 2 - 1
                return c
            }()
        )
        _ = try byBytes.add(spend(blocks[0], height: 1), utxo: engine.utxo).get()
        #expect(try byBytes.add(spend(blocks[1], height: 2), utxo: engine.utxo) == .failure(.full))
        #expect(byBytes.totalBytes == size)
    }

    @Test func removeConfirmed_dropsMinedTransactionsAndTheirConflicts() throws {
        let (engine, blocks) = try chain(3)
        var pool = Mempool()
        let pooled = spend(blocks[0], height: 1, to: SyncFixture.bob)
        let other = spend(blocks[1], height: 2)
        _ = try pool.add(pooled, utxo: engine.utxo).get()
        _ = try pool.add(other, utxo: engine.utxo).get()
        // A block mines `other`, and a different spend of the outpoint `pooled` spends.
        let rival = spend(blocks[0], height: 1, to: SyncFixture.alice)
        let conflicts = pool.removeConfirmed([other, rival])
        #expect(conflicts == [pooled.txid])
        #expect(pool.count == 0 && pool.totalBytes == 0)
    }

    @Test func reorganized_returnsTransactionsOfDisconnectedBlocks_andDropsThoseWhoseInputsVanished() throws {
        // Given a chain of 3 where block 3 mined a spend of block 1's coinbase, and a pooled spend of block 3's
        // coinbase.
        let engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        let base = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 2)
        let mined = spend(base[0], height: 1)
        let third = FixtureBlocks.child(
            of: base[1].header,
            height: 3,
            rewardAddress: SyncFixture.alice,
            transfers: [mined]
        )
        for block in base + [third] { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        var pool = Mempool()
        let dependent = spend(third, height: 3)
        _ = try pool.add(dependent, utxo: engine.utxo).get()

        // When a branch of two blocks from height 2 overtakes.
        let branch = SyncFixture.chain(on: base[1], parentHeight: 2, count: 2, reward: SyncFixture.bob, nonce: 3)
        var verdict = try engine.submit(branch[0].serialized(), now: SyncFixture.now)
        verdict = try engine.submit(branch[1].serialized(), now: SyncFixture.now)
        #expect(verdict.verdict == .acceptReorg)
        let dropped = try pool.reorganized(returning: verdict.effects.returnedTransactions, utxo: engine.utxo)

        // Then the mined spend is back in the pool and the spend of the vanished coinbase is gone.
        #expect(dropped == [dependent.txid])
        #expect(pool.contains(mined.txid) && !pool.contains(dependent.txid))
    }

    @Test func selectForBlock_fillsABlockThatTheChainAccepts_withinTheByteBudget() throws {
        let (engine, blocks) = try chain(3)
        var pool = Mempool()
        for (index, block) in blocks.enumerated() {
            _ = try pool.add(spend(block, height: UInt32(index + 1)), utxo: engine.utxo).get()
        }
        let size = spend(blocks[0], height: 1).serialized().count
        #expect(pool.selectForBlock(maxBytes: 2 * (size + 4)).count == 2)
        let all = pool.selectForBlock(maxBytes: 1 << 20)
        #expect(all.map(\.txid) == pool.entriesInArrivalOrder.map(\.txid))
        let block = FixtureBlocks.child(
            of: blocks[2].header,
            height: 4,
            rewardAddress: SyncFixture.alice,
            transfers: all
        )
        #expect(try engine.submit(block.serialized(), now: SyncFixture.now).verdict == .accept)
    }
}
