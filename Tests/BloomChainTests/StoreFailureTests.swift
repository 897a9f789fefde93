import BloomChain
import BloomCore
import BloomTestSupport
import Testing

/// A storage failure is not a verdict: `submit` throws, nothing is committed, and the same block can be
/// submitted again once the store works.
@Suite(.dedicatedThread) struct StoreFailureTests {
    /// Shared with the test so that it can break the store the engine owns.
    final class Breaker {
        var failCommits = false
    }

    struct BreakableStore: ChainStore {
        var inner = InMemoryChainStore()
        let breaker: Breaker

        func chainState() -> ChainState? { inner.chainState() }
        func entry(_ hash: Hash256) -> BlockIndexEntry? { inner.entry(hash) }
        func children(of hash: Hash256) -> [Hash256] { inner.children(of: hash) }
        func mainChainHash(atHeight height: UInt32) -> Hash256? { inner.mainChainHash(atHeight: height) }
        func blockBytes(_ hash: Hash256) -> [UInt8]? { inner.blockBytes(hash) }
        func utxo(_ outpoint: OutPoint) -> UTXOEntry? { inner.utxo(outpoint) }
        func undo(_ hash: Hash256) -> BlockUndo? { inner.undo(hash) }
        func invalidReason(_ hash: Hash256) -> ReasonCode? { inner.invalidReason(hash) }
        func allUnspentOutputs() -> [OutPoint: UTXOEntry] { inner.allUnspentOutputs() }

        mutating func commit(_ update: ChainUpdate) throws(ChainError) {
            if breaker.failCommits { throw ChainError(.storage, "injected failure") }
            inner.commit(update)
        }
    }

    @Test func submit_whenTheStoreFailsToCommit_throwsAndChangesNothing_thenSucceedsOnRetry() throws {
        let breaker = Breaker()
        let engine = try ChainEngine(store: BreakableStore(breaker: breaker), genesis: Fixture.genesis)
        let b1 = Fixture.child(of: Fixture.genesis, height: 1)
        let b2 = Fixture.child(of: b1, height: 2)
        _ = try engine.submit(b1.serialized(), now: Fixture.now)
        let tipBefore = engine.tip
        let utxosBefore = engine.store.allUnspentOutputs()

        breaker.failCommits = true
        #expect(throws: ChainError.self) { try engine.submit(b2.serialized(), now: Fixture.now) }
        #expect(engine.tip == tipBefore)
        #expect(engine.store.allUnspentOutputs() == utxosBefore)

        breaker.failCommits = false
        #expect(try engine.submit(b2.serialized(), now: Fixture.now).verdict == .accept)
    }

    @Test func submit_whenTheStoreFailsDuringAReorganization_keepsTheOldChain_thenReorganizesOnRetry() throws {
        let breaker = Breaker()
        let engine = try ChainEngine(store: BreakableStore(breaker: breaker), genesis: Fixture.genesis)
        let main = Fixture.chain(on: Fixture.genesis, parentHeight: 0, count: 2)
        let side = Fixture.chain(on: Fixture.genesis, parentHeight: 0, count: 3, reward: Fixture.bob)
        for block in main + side.dropLast() { _ = try engine.submit(block.serialized(), now: Fixture.now) }
        let tipBefore = engine.tip
        let trigger = try #require(side.last).serialized()

        breaker.failCommits = true
        #expect(throws: ChainError.self) { try engine.submit(trigger, now: Fixture.now) }
        #expect(engine.tip == tipBefore)

        breaker.failCommits = false
        #expect(try engine.submit(trigger, now: Fixture.now).verdict == .acceptReorg)
        #expect(engine.tip.hash == side.last?.hash)
    }
}
