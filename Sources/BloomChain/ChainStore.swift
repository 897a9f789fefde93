import BloomCore

/// The block tree and UTXO view the chain rules run over.
///
/// ``ChainEngine`` decides; the store only remembers. Reads are point lookups (by hash, height or outpoint),
/// so a SQLite implementation needs no block in memory; all writes arrive as one ``ChainUpdate`` that the store
/// must apply atomically. ``InMemoryChainStore`` is the reference implementation; bloom-sync implements the same
/// protocol on SQLite and runs the same vectors against it.
///
/// A store is owned by one ``ChainEngine`` (no other writer).
public protocol ChainStore {
    /// The best chain's summary; nil for an empty store (the engine then stores the genesis).
    func chainState() throws(ChainError) -> ChainState?
    /// A stored block's index entry (any branch).
    func entry(_ hash: Hash256) throws(ChainError) -> BlockIndexEntry?
    /// Hashes of stored blocks whose parent is `hash`.
    func children(of hash: Hash256) throws(ChainError) -> [Hash256]
    /// The main-chain block at `height`.
    func mainChainHash(atHeight height: UInt32) throws(ChainError) -> Hash256?
    /// A stored block's exact bytes.
    func blockBytes(_ hash: Hash256) throws(ChainError) -> [UInt8]?
    /// An unspent output of the main chain.
    func utxo(_ outpoint: OutPoint) throws(ChainError) -> UTXOEntry?
    /// Undo data of a main-chain block (nil for genesis, which is never disconnected).
    func undo(_ hash: Hash256) throws(ChainError) -> BlockUndo?
    /// The reason remembered against a hash in the invalid set (spec §5.1).
    func invalidReason(_ hash: Hash256) throws(ChainError) -> ReasonCode?
    /// Every unspent output: a full scan, for tests and diagnostics only.
    func allUnspentOutputs() throws(ChainError) -> [OutPoint: UTXOEntry]
    /// Applies `update` atomically: all of it or, on error, none of it.
    mutating func commit(_ update: ChainUpdate) throws(ChainError)
}
