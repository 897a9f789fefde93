import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import Testing

/// The chain vectors (`chain.json`, `block_cases.json`) re-run against the SQLite store, with the same
/// harness as the in-memory store (symlinked from BloomVectorTests/Support).
@Suite(.dedicatedThread) struct SQLiteChainStoreVectorTests {
    @Test func replayingChainJSON_onAFileStore_endsInFinalChainInfoAndTheFinalUTXOSet() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chain = try ChainVectors.loaded.get()
        let store = try SQLiteChainStore(path: directory.path("chain.sqlite"))
        let engine = try ChainVectors.engine(throughHeight: chain.blockBytes.count - 1, store: store)
        let reference = try ChainVectors.engine(throughHeight: chain.blockBytes.count - 1, store: InMemoryChainStore())

        #expect(engine.tip.hash.hex == (try chain.file["tip_hash"].string))
        let expected = try chain.file["final_chain_info"]
        let info = try engine.chainInfo()
        #expect(Int(info.height) == (try expected["height"].int))
        #expect(Double(info.totalWork) == (try expected["total_work"].double))
        #expect(Int(info.totalTransactions) == (try expected["total_transactions"].int))
        #expect(Int(info.utxoCount) == (try expected["utxo_count"].int))
        #expect(Int(info.totalValue) == (try expected["total_value"].int))
        #expect(try ChainSnapshot(engine) == ChainSnapshot(reference))
        try engine.store.close()
    }

    @Test func everyBlockCase_onAFreshSQLiteStore_reachesTheRecommendedVerdict() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var opened: [SQLiteChainStore] = []
        var index = 0
        try BlockCaseVectors.verifyAllCases {
            index += 1
            let store = try SQLiteChainStore(path: directory.path("case-\(index).sqlite"))
            opened.append(store)
            return store
        }
        for store in opened {
            #expect(try store.quickCheck().isEmpty)
            try store.close()
        }
    }
}
