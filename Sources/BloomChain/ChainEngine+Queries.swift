import BloomCore

/// What the services ask the chain: tip, blocks and headers by hash or height, chain info, UTXOs.
extension ChainEngine {
    /// The best chain's tip.
    public var tip: ChainTip { state.tip }

    /// Number of block versions waiting in the orphan pool.
    public var orphanCount: Int { orphans.count }

    /// True when some version of block `hash` waits in the orphan pool (no need to fetch it again).
    public func hasOrphan(_ hash: Hash256) -> Bool { orphans.contains(hash: hash) }

    /// Height, tip, total work, total transactions, UTXO count and total value of the best chain.
    public func chainInfo() throws(ChainError) -> ChainInfo {
        guard let tipEntry = try store.entry(state.tip.hash) else {
            throw ChainError(.corruptStore, "tip \(state.tip.hash.hex) has no index entry")
        }
        return ChainInfo(
            height: state.tip.height,
            tipHash: state.tip.hash,
            totalWork: tipEntry.totalWork,
            totalTransactions: tipEntry.totalTransactions,
            utxoCount: state.utxoCount,
            totalValue: state.totalValue
        )
    }

    /// The main-chain block hash at `height`.
    public func hash(atHeight height: UInt32) throws(ChainError) -> Hash256? {
        try store.mainChainHash(atHeight: height)
    }

    /// The exact bytes of a stored block of any branch (GETDATA, GETBLOCKDATA).
    public func blockBytes(_ hash: Hash256) throws(ChainError) -> [UInt8]? {
        try store.blockBytes(hash)
    }

    /// The index entry of a stored block of any branch.
    public func entry(_ hash: Hash256) throws(ChainError) -> BlockIndexEntry? {
        try store.entry(hash)
    }

    /// The header of a stored block of any branch.
    public func header(_ hash: Hash256) throws(ChainError) -> BlockHeader? {
        try store.entry(hash)?.header
    }

    /// True when `hash` is stored in the block tree.
    public func contains(_ hash: Hash256) throws(ChainError) -> Bool {
        try store.entry(hash) != nil
    }

    /// Main-chain hashes at heights `start ..< start + count`, stopping at the tip (GETBLOCKS → BLOCKS).
    public func hashes(fromHeight start: UInt32, count: Int) throws(ChainError) -> [Hash256] {
        guard let range = heights(from: start, count: count) else { return [] }
        var result: [Hash256] = []
        for height in range {
            guard let hash = try store.mainChainHash(atHeight: height) else { break }
            result.append(hash)
        }
        return result
    }

    /// Main-chain headers at heights `start ..< start + count`, stopping at the tip (GETHEADERS → HEADERS).
    public func headers(fromHeight start: UInt32, count: Int) throws(ChainError) -> [BlockHeader] {
        var result: [BlockHeader] = []
        for hash in try hashes(fromHeight: start, count: count) {
            guard let entry = try store.entry(hash) else {
                throw ChainError(.corruptStore, "main-chain block \(hash.hex) has no index entry")
            }
            result.append(entry.header)
        }
        return result
    }

    /// An unspent output of the best chain.
    public func utxo(_ outpoint: OutPoint) throws(ChainError) -> UTXOEntry? {
        try store.utxo(outpoint)
    }

    /// The remembered reason when `hash` is in the invalid set.
    public func invalidReason(_ hash: Hash256) throws(ChainError) -> ReasonCode? {
        try store.invalidReason(hash)
    }

    /// Heights from `start`, at most `count`, never past the tip (and never wrapping).
    private func heights(from start: UInt32, count: Int) -> ClosedRange<UInt32>? {
        guard count > 0, start <= state.tip.height else { return nil }
        let last = UInt64(start) + UInt64(count) - 1
        return start...UInt32(min(last, UInt64(state.tip.height)))
    }
}
