import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import Testing

/// The mempool survives a restart of bloom-sync (issue 12): saved with the chain, re-validated when read back.
@Suite(.dedicatedThread) struct MempoolPersistenceTests {
    /// A core on the store file at `path`, as bloom-sync opens it at start.
    private func openCore(_ path: String) throws -> SyncCore {
        let engine = try ChainEngine(store: SQLiteChainStore(path: path), genesis: SyncFixture.genesis)
        return SyncCore(engine: engine, rewardAddress: SyncFixture.bob)
    }

    private func spend(_ block: Block, height: UInt32, to: Hash256 = SyncFixture.bob) -> Transaction {
        SyncFixture.pay(SyncFixture.coinbaseOutput(of: block), amount: SyncFixture.reward(height), to: to)
    }

    private func submit(_ blocks: [Block], to core: SyncCore, wallClock: UInt32 = SyncFixture.now) throws {
        for block in blocks { _ = try core.engine.submit(block.serialized(), now: wallClock) }
    }

    @Test func acceptedTransactions_whenTheProcessDiesWithoutClosing_areListedAgainInArrivalOrder() throws {
        // Given a chain of 3 blocks and two transactions accepted through the CLI path.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("chain.sqlite")
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 3)
        let first = try openCore(path)
        try submit(blocks, to: first)
        let second = spend(blocks[1], height: 2)
        let earlier = spend(blocks[0], height: 1)
        for tx in [second, earlier] {
            let (rejection, _) = try first.submitTransaction(tx.serialized())
            #expect(rejection == nil)
        }

        // When another process opens the same file (the first one never closed it: as after a SIGKILL).
        let reopened = try openCore(path)
        let restored = try reopened.restoreMempool()

        // Then both are pooled again, in the order they arrived.
        #expect(restored.kept == 2 && restored.dropped == 0)
        #expect(reopened.mempool.entriesInArrivalOrder.map(\.txid) == [second.txid, earlier.txid])
        #expect(reopened.mempool.totalBytes == first.mempool.totalBytes)
        #expect(try reopened.engine.store.integrityCheck().isEmpty)
    }

    @Test func reload_dropsTransactionsNoLongerValidAgainstTheTip_andForgetsThemForGood() throws {
        // Given two pooled transactions saved in the store.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("chain.sqlite")
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 2)
        let first = try openCore(path)
        try submit(blocks, to: first)
        let doomed = spend(blocks[0], height: 1)
        let survivor = spend(blocks[1], height: 2)
        for tx in [doomed, survivor] { _ = try first.submitTransaction(tx.serialized()) }

        // When the chain moves on without this pool knowing (e.g. the pool file of a node that was then fed a
        // chain by `--load-blocks`): block 3 mines a conflicting spend of the doomed transaction's input.
        let conflict = spend(blocks[0], height: 1, to: SyncFixture.alice)
        let third = FixtureBlocks.child(
            of: blocks[1].header,
            height: 3,
            rewardAddress: SyncFixture.alice,
            transfers: [conflict]
        )
        let other = try openCore(path)
        try submit([third], to: other)
        #expect(other.tip.hash == third.hash)

        // Then a restart keeps only the transaction still valid on the new tip.
        let reopened = try openCore(path)
        let restored = try reopened.restoreMempool()
        #expect(restored.kept == 1 && restored.dropped == 1)
        #expect(reopened.mempool.entriesInArrivalOrder.map(\.txid) == [survivor.txid])
        // And the dropped one is gone from the file, not re-validated at every start.
        #expect(try reopened.engine.store.savedMempool() == [survivor.serialized()])
    }

    @Test func aBlockThatMinesAPooledTransaction_removesItFromTheStoreInTheSameBatch() throws {
        // Given a pooled transaction.
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 1)
        let core = try SyncCore(
            engine: ChainEngine(store: SQLiteChainStore.inMemory(), genesis: SyncFixture.genesis),
            rewardAddress: SyncFixture.bob
        )
        try submit(blocks, to: core)
        let tx = spend(blocks[0], height: 1)
        _ = try core.submitTransaction(tx.serialized())
        #expect(try core.engine.store.savedMempool() == [tx.serialized()])

        // When a peer's block mines it.
        let mined = FixtureBlocks.child(
            of: blocks[0].header,
            height: 2,
            rewardAddress: SyncFixture.alice,
            transfers: [tx]
        )
        let peer = SyncPeer(id: PeerID(rawValue: 0x0100_0000_0000_0001), height: 2, services: [])
        _ = try core.handle(
            [.peerConnected(peer), .message(peer.id, .block(mined.serialized()))],
            now: 1,
            wallClock: SyncFixture.now
        )

        // Then the pool and its table are empty once the batch committed.
        #expect(core.tip.hash == mined.hash)
        #expect(core.mempool.count == 0)
        #expect(try core.engine.store.savedMempool().isEmpty)
    }

    @Test func mempoolQuery_answersExactlyCountBytesAndTxidsInArrivalOrder() throws {
        // Given two pooled transactions.
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 2)
        let core = try SyncCore(
            engine: ChainEngine(store: SQLiteChainStore.inMemory(), genesis: SyncFixture.genesis),
            rewardAddress: SyncFixture.bob
        )
        try submit(blocks, to: core)
        let txs = [spend(blocks[1], height: 2), spend(blocks[0], height: 1)]
        for tx in txs { _ = try core.submitTransaction(tx.serialized()) }

        // When the CLI asks bloom-sync `mempool`.
        let answer = try SyncQueries.answer("mempool", args: .null, core: core)

        // Then the result is {count, bytes, txids} and nothing else, as DESIGN.md's `bloom mempool --json`.
        let bytes = txs.reduce(0) { $0 + $1.serialized().count }
        #expect(
            try answer.result.get()
                == .object([
                    "count": .number(2),
                    "bytes": .number(Double(bytes)),
                    "txids": .array(txs.map { .string($0.txid.hex) }),
                ])
        )
        #expect(answer.actions.isEmpty)
    }
}

@Suite(.dedicatedThread) struct IntegrityQueryTests {
    @Test func integrityQuery_onASoundStore_answersOkWithNoProblems() throws {
        let core = try SyncCore(
            engine: ChainEngine(store: SQLiteChainStore.inMemory(), genesis: SyncFixture.genesis),
            rewardAddress: SyncFixture.bob
        )
        let answer = try SyncQueries.answer("integrity", args: .null, core: core)
        #expect(try answer.result.get() == .object(["ok": .bool(true), "problems": .array([])]))
    }
}
