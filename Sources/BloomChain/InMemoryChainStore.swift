import BloomCore

/// A ``ChainStore`` in dictionaries: for tests, benchmarks and tools. A value type, so a copy is a snapshot.
public struct InMemoryChainStore: ChainStore, Sendable {
    private var state: ChainState?
    private var entries: [Hash256: BlockIndexEntry] = [:]
    private var childLinks: [Hash256: [Hash256]] = [:]
    private var bodies: [Hash256: [UInt8]] = [:]
    private var mainChain: [Hash256] = []
    private var utxos: [OutPoint: UTXOEntry] = [:]
    private var undos: [Hash256: BlockUndo] = [:]
    private var invalid: [Hash256: ReasonCode] = [:]

    /// An empty store.
    public init() {}

    public func chainState() -> ChainState? { state }
    public func entry(_ hash: Hash256) -> BlockIndexEntry? { entries[hash] }
    public func children(of hash: Hash256) -> [Hash256] { childLinks[hash] ?? [] }

    public func mainChainHash(atHeight height: UInt32) -> Hash256? {
        Int(height) < mainChain.count ? mainChain[Int(height)] : nil
    }

    public func blockBytes(_ hash: Hash256) -> [UInt8]? { bodies[hash] }
    public func utxo(_ outpoint: OutPoint) -> UTXOEntry? { utxos[outpoint] }
    public func undo(_ hash: Hash256) -> BlockUndo? { undos[hash] }
    public func invalidReason(_ hash: Hash256) -> ReasonCode? { invalid[hash] }
    public func allUnspentOutputs() -> [OutPoint: UTXOEntry] { utxos }

    /// Number of blocks in the tree (all branches).
    public var blockCount: Int { entries.count }
    /// Number of hashes in the invalid set.
    public var invalidCount: Int { invalid.count }

    public mutating func commit(_ update: ChainUpdate) {
        for hash in update.removedBlocks {
            guard let removed = entries.removeValue(forKey: hash) else { continue }
            bodies[hash] = nil
            undos[hash] = nil
            childLinks[hash] = nil
            childLinks[removed.parent]?.removeAll { $0 == hash }
            if childLinks[removed.parent]?.isEmpty == true { childLinks[removed.parent] = nil }
        }
        for block in update.addedBlocks {
            let hash = block.entry.hash
            if entries.updateValue(block.entry, forKey: hash) == nil {
                childLinks[block.entry.parent, default: []].append(hash)
            }
            bodies[hash] = block.bytes
        }
        for (hash, status) in update.statusChanges {
            entries[hash]?.status = status
        }
        for (hash, reason) in update.invalidated {
            invalid[hash] = reason
        }
        for outpoint in update.utxoDeletes {
            utxos[outpoint] = nil
        }
        for (outpoint, value) in update.utxoWrites {
            utxos[outpoint] = value
        }
        for (hash, undo) in update.undoWrites {
            undos[hash] = undo
        }
        for hash in update.undoDeletes {
            undos[hash] = nil
        }
        if let change = update.mainChain {
            // The engine never leaves a gap: `firstHeight` is at most the current height + 1.
            let keep = min(mainChain.count, Int(change.firstHeight))
            mainChain.removeSubrange(keep...)
            mainChain.append(contentsOf: change.hashes)
        }
        if let newState = update.state {
            state = newState
        }
    }
}
