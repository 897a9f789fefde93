import BloomChain
import BloomCore
import Foundation
import Testing

/// `chain.json` decoded once per test run, shared by the chain and block-case suites.
enum ChainVectors {
    struct Loaded: @unchecked Sendable {
        let file: JSON
        /// Exact bytes of blocks 0… in order.
        let blockBytes: [[UInt8]]
        let genesis: Block
    }

    static let loaded: Result<Loaded, any Error> = Result {
        let file = try Vectors.load("chain.json")
        let blockBytes = try file["blocks"].array.map { try $0["block"].bytes }
        guard let first = blockBytes.first else { throw Vectors.Malformed(description: "chain.json has no blocks") }
        return Loaded(file: file, blockBytes: blockBytes, genesis: try Block(decoding: first))
    }

    /// The real clock: the vectors' timestamps are in the past, except the one case built to be too far ahead.
    static var now: UInt32 { UInt32(clamping: time(nil)) }

    /// A fresh engine over `store` holding the chain of `chain.json` up to `height`.
    static func engine<Store: ChainStore>(
        throughHeight height: Int,
        store: Store
    ) throws -> ChainEngine<Store> {
        let chain = try loaded.get()
        let engine = try ChainEngine(store: store, genesis: chain.genesis)
        guard height < chain.blockBytes.count else {
            throw Vectors.Malformed(description: "chain.json has no block at height \(height)")
        }
        for bytes in chain.blockBytes[1...height] {
            let verdict = try engine.submit(bytes, now: now)
            guard verdict.verdict == .accept else {
                throw Vectors.Malformed(description: "chain.json block not accepted: \(verdict)")
            }
        }
        return engine
    }
}

/// `block_cases.json`, parsed once per run, and the check of every case against any ``ChainStore``.
enum BlockCaseVectors {
    struct Case: @unchecked Sendable {
        let item: JSON
        let onTopOfHeight: Int
        let preBlocks: [[UInt8]]
        let preVerdicts: [JSON]
        let block: [UInt8]
        let recommended: JSON
    }

    /// The file is several megabytes of hex (blocks up to 1 MiB): parsed once per run.
    static let cases: Result<[Case], any Error> = Result {
        let file = try Vectors.load("block_cases.json")
        return try file["cases"].array.map { item in
            let context = try item["context"]
            return Case(
                item: item,
                onTopOfHeight: try context["on_top_of_height"].int,
                preBlocks: try context["pre_blocks"].array.map { try $0.bytes },
                preVerdicts: try item["pre_block_verdicts"].array,
                block: try item["block"].bytes,
                recommended: try item["recommended"]
            )
        }
    }

    static func expect(_ verdict: BlockVerdict, matches expected: JSON, _ context: String) throws {
        let verdictName = try expected["verdict"].string
        #expect(verdict.verdict.rawValue == verdictName, "\(context): got \(verdict), expected \(verdictName)")
        let reasonName = try expected["reason"].string
        if ReasonCode(rawValue: reasonName) != nil {
            #expect(verdict.reason.rawValue == reasonName, "\(context): got \(verdict), expected \(reasonName)")
        }
    }

    /// Runs every case against engines over stores from `makeStore` (one fresh store per case), so that any
    /// ``ChainStore`` implementation can be checked with the same vectors.
    static func verifyAllCases<Store: ChainStore>(makeStore: () throws -> Store) throws {
        let cases = try Self.cases.get()
        #expect(!cases.isEmpty)
        let now = ChainVectors.now
        for testCase in cases {
            let context = testCase.item.path + " (" + ((try? testCase.item["label"].string) ?? "?") + ")"
            let engine = try ChainVectors.engine(throughHeight: testCase.onTopOfHeight, store: try makeStore())
            #expect(testCase.preBlocks.count == testCase.preVerdicts.count, "\(context): pre-block verdict count")
            for (index, (bytes, expected)) in zip(testCase.preBlocks, testCase.preVerdicts).enumerated() {
                try expect(try engine.submit(bytes, now: now), matches: expected, "\(context) pre-block \(index)")
            }

            let tipBefore = engine.tip
            let infoBefore = try engine.chainInfo()
            let utxosBefore = try engine.store.allUnspentOutputs()
            let verdict = try engine.submit(testCase.block, now: now)
            try expect(verdict, matches: testCase.recommended, context)

            switch verdict.verdict {
            case .reject, .rejectOrOrphan, .ignore, .acceptSideBranch:
                #expect(engine.tip == tipBefore, "\(context): tip moved")
                // A failed reorganization must restore the old main chain exactly.
                #expect(try engine.chainInfo() == infoBefore, "\(context): chain info changed")
                #expect(try engine.store.allUnspentOutputs() == utxosBefore, "\(context): UTXO set changed")
            case .accept, .acceptReorg:
                #expect(engine.tip.hash == verdict.hash, "\(context): tip is not the accepted block")
                #expect(verdict.effects.newTip == engine.tip, "\(context): effects do not name the new tip")
            }
        }
    }
}
