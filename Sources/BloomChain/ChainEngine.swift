import BloomCore

/// The chain rules of spec §5, §5.1 and §11, written once over a ``ChainStore``.
///
/// `submit` takes a BLOCK payload and returns its verdict; the engine validates in the normative "Swift
/// evaluation order", keeps an orphan pool, chooses the best chain (greatest height, first seen on a tie) and
/// reorganizes, computing every store change as one ``ChainUpdate`` committed atomically.
///
/// Ownership: the engine and its store are mutable state with a single owner (one actor, or one thread). The
/// class is deliberately not `Sendable`; wrap it in the owning actor (bloom-sync's store actor) rather than
/// sharing it.
public final class ChainEngine<Store: ChainStore> {
    /// Limits and clock tolerance.
    public struct Configuration: Sendable {
        /// Spec §2.5 item 6: at most 100 orphan blocks.
        public var maxOrphanBlocks = 100
        /// Byte budget of the orphan pool, so that 100 blocks of 1 MiB cannot pin 100 MiB.
        public var maxOrphanBytes = 16 << 20
        /// Spec §5 step 7: a block may be at most this many seconds ahead of the local clock.
        public var maxFutureDrift: UInt32 = BloomConstants.maxFutureDriftSeconds

        /// The spec's values.
        public init() {}
    }

    /// The store (read it for queries; only the engine writes to it).
    public private(set) var store: Store
    /// The limits the engine was created with.
    public let configuration: Configuration
    /// Hash of the height-0 block.
    public let genesisHash: Hash256
    /// Cached copy of the store's chain state.
    var state: ChainState
    var orphans: OrphanPool

    /// Opens `store`, storing `genesis` first when the store is empty.
    ///
    /// - Parameters:
    ///   - store: an empty store, or one holding a chain that starts at `genesis`.
    ///   - genesis: the block at height 0, decoded by the caller (tests pass the vectors' block 0).
    /// - Throws: ``ChainError`` `.genesisMismatch` when the store's chain starts elsewhere, or a storage error.
    public init(store: Store, genesis: Block, configuration: Configuration = Configuration()) throws(ChainError) {
        self.store = store
        self.configuration = configuration
        self.genesisHash = genesis.hash
        self.orphans = OrphanPool(maxBlocks: configuration.maxOrphanBlocks, maxBytes: configuration.maxOrphanBytes)
        if let existing = try store.chainState() {
            let stored = try store.mainChainHash(atHeight: 0)
            guard stored == genesisHash else {
                throw ChainError(
                    .genesisMismatch,
                    "store starts at \(stored?.hex ?? "nothing"), expected genesis \(genesisHash.hex)"
                )
            }
            self.state = existing
        } else {
            let empty = ChainState(tip: ChainTip(hash: genesisHash, height: 0), utxoCount: 0, totalValue: 0)
            self.state = empty
            try storeGenesis(genesis)
        }
    }

    private func storeGenesis(_ genesis: Block) throws(ChainError) {
        let bytes = genesis.serialized()
        let entry = BlockIndexEntry(
            hash: genesisHash,
            header: genesis.header,
            height: 0,
            status: .transactionsValid,
            totalWork: UInt64(genesis.header.difficulty),
            totalTransactions: UInt64(genesis.transactions.count),
            transactionCount: UInt32(truncatingIfNeeded: genesis.transactions.count),
            size: UInt32(truncatingIfNeeded: bytes.count)
        )
        var view = UTXOOverlay(state: state)
        // The genesis is trusted (it is the consensus checkpoint): its outputs are applied unchecked and it is
        // never disconnected, so its undo data is not kept.
        _ = try TransactionRules.apply(genesis, txids: genesis.txids, height: 0, view: &view, store: store)
        var update = ChainUpdate()
        update.addedBlocks = [ChainUpdate.NewBlock(entry: entry, bytes: bytes)]
        view.fill(&update)
        update.mainChain = ChainUpdate.MainChainChange(firstHeight: 0, hashes: [genesisHash])
        let newState = ChainState(tip: state.tip, utxoCount: view.count, totalValue: view.value)
        update.state = newState
        try store.commit(update)
        state = newState
    }

    /// Commits `update` and, when it carries one, adopts its chain state.
    func commit(_ update: ChainUpdate) throws(ChainError) {
        try store.commit(update)
        if let newState = update.state { state = newState }
    }
}
