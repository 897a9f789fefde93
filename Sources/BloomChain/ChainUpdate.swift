import BloomCore

/// Every change one block submission makes to the store, computed by ``ChainEngine`` and committed by a
/// ``ChainStore`` in one atomic step (one SQLite transaction): connecting a block, a whole reorganization, or
/// the rollback bookkeeping of a failed one. A crash therefore leaves the store before or after the update,
/// never in between.
///
/// A store applies the parts in the order they are declared here.
public struct ChainUpdate: Sendable {
    /// A new block for the block tree: its index entry and its exact bytes.
    public struct NewBlock: Sendable {
        /// Its index entry.
        public var entry: BlockIndexEntry
        /// Its exact bytes as received.
        public var bytes: [UInt8]

        /// Creates a new-block record.
        public init(entry: BlockIndexEntry, bytes: [UInt8]) {
            self.entry = entry
            self.bytes = bytes
        }
    }

    /// The main chain after the update: heights below `firstHeight` are unchanged, `hashes` occupy heights
    /// `firstHeight…` in order, and every height above the last of them is removed.
    public struct MainChainChange: Sendable, Hashable {
        /// The lowest height that changes.
        public var firstHeight: UInt32
        /// The main chain from `firstHeight` upwards.
        public var hashes: [Hash256]

        /// Creates a main-chain change.
        public init(firstHeight: UInt32, hashes: [Hash256]) {
            self.firstHeight = firstHeight
            self.hashes = hashes
        }
    }

    /// Blocks to delete from the block tree (entry, bytes, undo data): blocks invalidated by a failed
    /// reorganization. They are never on the main chain.
    public var removedBlocks: [Hash256] = []
    /// Blocks to add to the block tree.
    public var addedBlocks: [NewBlock] = []
    /// New validation status of stored (or just added) blocks.
    public var statusChanges: [Hash256: BlockStatus] = [:]
    /// Hashes to remember in the invalid set, with the reason (spec §5.1).
    public var invalidated: [Hash256: ReasonCode] = [:]
    /// Outpoints to delete from the UTXO set (disjoint from `utxoWrites`).
    public var utxoDeletes: Set<OutPoint> = []
    /// Outpoints to insert or overwrite.
    public var utxoWrites: [OutPoint: UTXOEntry] = [:]
    /// Undo data of blocks that were connected.
    public var undoWrites: [Hash256: BlockUndo] = [:]
    /// Undo data no longer needed (blocks that were disconnected).
    public var undoDeletes: [Hash256] = []
    /// The main chain's new shape, when it changed.
    public var mainChain: MainChainChange?
    /// The new chain summary, when it changed.
    public var state: ChainState?

    /// An empty update.
    public init() {}

    /// True when committing it would change nothing.
    public var isEmpty: Bool {
        removedBlocks.isEmpty && addedBlocks.isEmpty && statusChanges.isEmpty && invalidated.isEmpty
            && utxoDeletes.isEmpty && utxoWrites.isEmpty && undoWrites.isEmpty && undoDeletes.isEmpty
            && mainChain == nil && state == nil
    }
}
