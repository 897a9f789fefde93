import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import BloomWire
import Testing

/// `block_cases.json` through the whole sync logic on the SQLite store: each block arrives as a BLOCK from a
/// peer, gets the recommended verdict, and an invalid one costs its sender points (spec §2.5 item 13).
@Suite(.dedicatedThread) struct SyncCoreVectorTests {
    @Test func everyBlockCase_fromAPeer_reachesTheVerdict_andInvalidBlocksPenaliseTheSender() throws {
        let cases = try BlockCaseVectors.cases.get()
        let chain = try ChainVectors.loaded.get()
        let now = ChainVectors.now
        let sender = PeerID(rawValue: 0x0100_0000_0000_0009)
        for testCase in cases {
            let context = testCase.item.path
            let engine = try ChainEngine(store: SQLiteChainStore.inMemory(), genesis: chain.genesis)
            let core = SyncCore(engine: engine, rewardAddress: .zero)
            let setup = chain.blockBytes[1...testCase.onTopOfHeight] + testCase.preBlocks
            for bytes in setup {
                _ = try core.handle([.message(PeerID(rawValue: 1), .block(Array(bytes)))], now: 0, wallClock: now)
            }
            let tipBefore = core.tip

            let actions = try core.handle([.message(sender, .block(testCase.block))], now: 1, wallClock: now)

            let verdict = try testCase.recommended["verdict"].string
            let reason = try testCase.recommended["reason"].string
            let penalised = actions.contains { if case .penalise(sender, _, _) = $0 { true } else { false } }
            switch verdict {
            case Verdict.reject.rawValue:
                #expect(penalised == (reason != ReasonCode.timestampTooFarFuture.rawValue), "\(context) \(reason)")
                #expect(core.tip == tipBefore, "\(context)")
            case Verdict.rejectOrOrphan.rawValue:
                #expect(!penalised, "\(context)")
                #expect(actions.contains { if case .send(sender, .getData) = $0 { true } else { false } }, "\(context)")
            case Verdict.accept.rawValue, Verdict.acceptReorg.rawValue:
                #expect(!penalised, "\(context)")
                #expect(actions.contains { if case .publishTip = $0 { true } else { false } }, "\(context)")
            default:
                #expect(!penalised, "\(context)")
                #expect(core.tip == tipBefore, "\(context)")
            }
        }
    }
}
