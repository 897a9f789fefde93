import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import Testing

/// The SQLite store against the in-memory reference store, given/when/then, one fresh database per test.
@Suite(.dedicatedThread) struct SQLiteChainStoreTests {
    /// Feeds the same blocks to an engine over each store and checks that both end every step alike.
    private func replay(
        _ blocks: [Block],
        on engine: ChainEngine<SQLiteChainStore>,
        mirror: ChainEngine<InMemoryChainStore>
    ) throws -> [BlockVerdict] {
        var verdicts: [BlockVerdict] = []
        for block in blocks {
            let bytes = block.serialized()
            let verdict = try engine.submit(bytes, now: SyncFixture.now)
            let expected = try mirror.submit(bytes, now: SyncFixture.now)
            #expect(verdict == expected)
            #expect(try ChainSnapshot(engine) == ChainSnapshot(mirror))
            verdicts.append(verdict)
        }
        return verdicts
    }

    @Test func submit_whenASideBranchOvertakesByDepth3AndTheOldBranchOvertakesBack_matchesTheInMemoryStore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let genesis = SyncFixture.genesis
        let engine = try ChainEngine(
            store: SQLiteChainStore(path: directory.path("chain.sqlite")),
            genesis: genesis
        )
        let mirror = try ChainEngine(store: InMemoryChainStore(), genesis: genesis)

        // Given a main chain of 5 blocks, and a branch from height 2 paying Bob.
        let main = SyncFixture.chain(on: genesis, parentHeight: 0, count: 5)
        _ = try replay(main, on: engine, mirror: mirror)
        let original = try ChainSnapshot(engine)
        let branch = SyncFixture.chain(on: main[1], parentHeight: 2, count: 4, reward: SyncFixture.bob, nonce: 1)

        // When the branch grows to 6 blocks (3 above the fork point would tie at 5; the 4th overtakes).
        let verdicts = try replay(branch, on: engine, mirror: mirror)

        // Then the node reorganized once, disconnecting the 3 blocks above the fork.
        #expect(verdicts.map(\.verdict) == [.acceptSideBranch, .acceptSideBranch, .acceptSideBranch, .acceptReorg])
        #expect(verdicts.last?.effects.disconnected.count == 3)
        #expect(engine.tip.hash == branch.last?.hash)
        #expect(try engine.store.undo(main[4].hash) == nil)

        // When the old branch grows two more blocks, it overtakes again and the original blocks are back.
        let comeback = SyncFixture.chain(on: main[4], parentHeight: 5, count: 2)
        let back = try replay(comeback, on: engine, mirror: mirror)
        #expect(back.map(\.verdict) == [.acceptSideBranch, .acceptReorg])
        let after = try ChainSnapshot(engine)
        #expect(Array(after.mainChain.prefix(original.mainChain.count)) == original.mainChain)
        #expect(try engine.store.quickCheck().isEmpty)
        try engine.store.close()
    }

    @Test func reopen_afterClose_keepsTipBlocksUTXOsAndSideBranches() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("chain.sqlite")
        let genesis = SyncFixture.genesis
        let main = SyncFixture.chain(on: genesis, parentHeight: 0, count: 6)
        let side = SyncFixture.chain(on: main[2], parentHeight: 3, count: 2, reward: SyncFixture.bob, nonce: 7)

        // Given a store holding a main chain and a side branch.
        let before: ChainSnapshot
        do {
            let engine = try ChainEngine(store: SQLiteChainStore(path: path), genesis: genesis)
            for block in main + side { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
            before = try ChainSnapshot(engine)
            try engine.store.close()
        }

        // When it is opened again.
        let reopened = try SQLiteChainStore(path: path)
        let engine = try ChainEngine(store: reopened, genesis: genesis)

        // Then everything is there, and the side blocks are still known.
        #expect(try ChainSnapshot(engine) == before)
        for block in main + side {
            #expect(try engine.blockBytes(block.hash) == block.serialized())
        }
        #expect(try engine.store.children(of: main[2].hash) == [main[3].hash, side[0].hash])
        #expect(try engine.submit(side[1].serialized(), now: SyncFixture.now).verdict == .ignore)
        try reopened.close()
    }

    @Test func reopen_withAnotherGenesis_failsWithGenesisMismatch() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("chain.sqlite")
        try ChainEngine(store: SQLiteChainStore(path: path), genesis: SyncFixture.genesis).store.close()

        let other = Genesis.block(rewardAddress: SyncFixture.alice)
        let store = try SQLiteChainStore(path: path)
        #expect(throws: ChainError.self) { try ChainEngine(store: store, genesis: other) }
        try store.close()
    }

    @Test func batch_whenClosedBeforeCommit_losesOnlyTheUncommittedBlocks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("chain.sqlite")
        let genesis = SyncFixture.genesis
        let blocks = SyncFixture.chain(on: genesis, parentHeight: 0, count: 8)

        // Given 4 blocks committed in one batch and 4 more in a batch that is never committed.
        do {
            let store = try SQLiteChainStore(path: path)
            let engine = try ChainEngine(store: store, genesis: genesis)
            try store.beginBatch()
            for block in blocks[0..<4] { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
            try store.commitBatch()
            try store.beginBatch()
            for block in blocks[4...] { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
            #expect(engine.tip.height == 8)
            try store.close()
        }

        // When reopened, the tip is the last committed block and the rest can be submitted again.
        let store = try SQLiteChainStore(path: path)
        let engine = try ChainEngine(store: store, genesis: genesis)
        #expect(engine.tip == ChainTip(hash: blocks[3].hash, height: 4))
        #expect(try engine.entry(blocks[4].hash) == nil)
        for block in blocks[4...] {
            #expect(try engine.submit(block.serialized(), now: SyncFixture.now).verdict == .accept)
        }
        #expect(engine.tip.height == 8)
        try store.close()
    }

    @Test func entries_afterTwoReorganizationsInOneBatch_equalTheDatabasesAndTheInMemoryStores() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("chain.sqlite")
        let genesis = SyncFixture.genesis
        let main = SyncFixture.chain(on: genesis, parentHeight: 0, count: 5)
        let branch = SyncFixture.chain(on: main[1], parentHeight: 2, count: 4, reward: SyncFixture.bob, nonce: 1)
        let comeback = SyncFixture.chain(on: main[4], parentHeight: 5, count: 2)
        let blocks = main + branch + comeback
        let store = try SQLiteChainStore(path: path)
        let engine = try ChainEngine(store: store, genesis: genesis)
        let mirror = try ChainEngine(store: InMemoryChainStore(), genesis: genesis)

        // Given every block submitted in one batch: the branch overtakes, then the old branch overtakes back, so
        // entries the store wrote in this batch change status or are rewritten.
        try store.beginBatch()
        for block in blocks {
            _ = try engine.submit(block.serialized(), now: SyncFixture.now)
            _ = try mirror.submit(block.serialized(), now: SyncFixture.now)
        }

        // Then every entry the store answers (from what it wrote lately) equals the in-memory store's.
        for block in blocks { #expect(try store.entry(block.hash) == mirror.store.entry(block.hash)) }
        try store.commitBatch()
        try store.close()

        // And equals what the database holds, read by a store that remembers nothing.
        let reopened = try SQLiteChainStore(path: path)
        for block in blocks { #expect(try reopened.entry(block.hash) == mirror.store.entry(block.hash)) }
        try reopened.close()
    }

    @Test func undoData_afterASpend_equalsTheInMemoryStoresRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let genesis = SyncFixture.genesis
        let blocks = SyncFixture.chain(on: genesis, parentHeight: 0, count: 2)
        let spend = SyncFixture.pay(
            SyncFixture.coinbaseOutput(of: blocks[0]),
            amount: SyncFixture.reward(1),
            to: SyncFixture.bob
        )
        let third = FixtureBlocks.child(
            of: blocks[1].header,
            height: 3,
            rewardAddress: SyncFixture.alice,
            transfers: [spend]
        )
        let engine = try ChainEngine(store: SQLiteChainStore(path: directory.path("c.sqlite")), genesis: genesis)
        let mirror = try ChainEngine(store: InMemoryChainStore(), genesis: genesis)
        _ = try replay(blocks + [third], on: engine, mirror: mirror)
        #expect(try engine.store.undo(third.hash) == mirror.store.undo(third.hash))
        #expect(try engine.store.undo(third.hash)?.records.count == 3)
        try engine.store.close()
    }
}
