import BloomChain
import BloomCore

/// Submits the blocks of a ``BlockFile`` to a chain over the SQLite store, `batchSize` blocks per transaction,
/// and reports each accepted block only after its transaction committed (so a report is a promise that the
/// block survives a crash).
public struct BlockImporter {
    /// What one import did.
    public struct Summary: Sendable, Hashable {
        /// Blocks that joined the block tree.
        public var accepted = 0
        /// Blocks already stored (a resumed import).
        public var alreadyKnown = 0
        /// Invalid blocks and orphans.
        public var rejected = 0
        /// The best tip after the import.
        public var tip: ChainTip

        /// An empty summary at `tip`.
        public init(tip: ChainTip) { self.tip = tip }
    }

    /// Blocks per SQLite transaction.
    public let batchSize: Int

    /// - Parameter batchSize: blocks per SQLite transaction (at least 1).
    public init(batchSize: Int) {
        self.batchSize = max(1, batchSize)
    }

    /// Imports `blocks` into `engine`.
    ///
    /// - Parameters:
    ///   - blocks: serialized blocks, parents first.
    ///   - engine: the chain, over the store it commits to.
    ///   - now: the clock for the future-timestamp rule.
    ///   - committed: called with the hashes that joined the block tree, after their batch committed.
    /// - Throws: ``ChainError`` when the store fails.
    public func run(
        _ blocks: [[UInt8]],
        into engine: ChainEngine<SQLiteChainStore>,
        now: () -> UInt32,
        committed: ([Hash256]) -> Void
    ) throws(ChainError) -> Summary {
        var summary = Summary(tip: engine.tip)
        var start = 0
        while start < blocks.count {
            let end = min(blocks.count, start + batchSize)
            var stored: [Hash256] = []
            try engine.store.beginBatch()
            for bytes in blocks[start..<end] {
                let verdict = try engine.submit(bytes, now: now())
                for outcome in [verdict] + verdict.adoptedOrphans {
                    switch outcome.verdict {
                    case .accept, .acceptReorg, .acceptSideBranch:
                        summary.accepted += 1
                        if let hash = outcome.hash { stored.append(hash) }
                    case .ignore:
                        summary.alreadyKnown += 1
                    case .reject, .rejectOrOrphan:
                        summary.rejected += 1
                    }
                }
            }
            try engine.store.commitBatch()
            if !stored.isEmpty { committed(stored) }
            start = end
        }
        summary.tip = engine.tip
        return summary
    }
}
