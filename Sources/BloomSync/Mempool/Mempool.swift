import BloomChain
import BloomCore

/// Unconfirmed transactions, validated against the best chain's UTXO set and against each other
/// (spec §2.5 item 7): bounded in count and bytes, deduplicated by txid, one spender per outpoint.
///
/// A mempool transaction spends confirmed outputs only. Spec §5 step 8 forbids spending, in a block, an output
/// created in the same block, so this keeps every conflict-free subset of the pool a valid block body on the
/// current tip. When full, new transactions are refused (fees are burned in v1, §5 row 15, so no transaction
/// outbids another; refusing keeps a flood from evicting what is already there).
///
/// A value type with a single owner (the sync service's chain owner).
public struct Mempool: Sendable {
    /// Bounds of the pool.
    public struct Configuration: Sendable, Hashable {
        /// At most this many transactions (Bitcoin Core bounds by memory; a count keeps lookups predictable).
        public var maxTransactions = 5_000
        /// At most this many serialized bytes in all: a few full blocks' worth.
        public var maxBytes = 4 << 20

        /// The defaults above.
        public init() {}
    }

    /// One pooled transaction.
    public struct Entry: Sendable, Hashable {
        /// The transaction as decoded.
        public var transaction: Transaction
        /// Its txid.
        public var txid: Hash256
        /// Serialized size in bytes.
        public var size: Int
        /// Σ inputs − Σ outputs (burned when mined, spec §5 row 15).
        public var fee: UInt64
        /// Arrival order, for block assembly and listings.
        public var sequence: UInt64
    }

    /// The bounds.
    public let configuration: Configuration
    private var entries: [Hash256: Entry] = [:]
    private var spenders: [OutPoint: Hash256] = [:]
    private var nextSequence: UInt64 = 0
    /// Serialized bytes of all pooled transactions.
    public private(set) var totalBytes = 0
    /// What changed since the last ``takeChanges()``: txid → the entry now pooled, or nil when it left.
    private var pendingChanges: [Hash256: Entry?] = [:]

    /// An empty pool with `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Number of pooled transactions.
    public var count: Int { entries.count }

    /// The pooled transaction `txid`.
    public func entry(_ txid: Hash256) -> Entry? { entries[txid] }

    /// True when `txid` is pooled.
    public func contains(_ txid: Hash256) -> Bool { entries[txid] != nil }

    /// Every pooled transaction in arrival order.
    public var entriesInArrivalOrder: [Entry] { entries.values.sorted { $0.sequence < $1.sequence } }

    /// Decodes a TX payload strictly and adds it.
    ///
    /// - Parameter utxo: the best chain's unspent output lookup.
    /// - Returns: the new entry.
    public mutating func add(
        payload: [UInt8],
        utxo: (OutPoint) throws(ChainError) -> UTXOEntry?
    ) throws(ChainError) -> Result<Entry, MempoolRejection> {
        let transaction: Transaction
        do {
            transaction = try Transaction(decoding: payload)
        } catch {
            return .failure(.decode(error))
        }
        return try add(transaction, utxo: utxo)
    }

    /// Validates `transaction` against `utxo` and the pool, and adds it.
    ///
    /// - Throws: only a storage failure of `utxo`.
    public mutating func add(
        _ transaction: Transaction,
        utxo: (OutPoint) throws(ChainError) -> UTXOEntry?
    ) throws(ChainError) -> Result<Entry, MempoolRejection> {
        let txid = transaction.txid
        if entries[txid] != nil { return .failure(.alreadyKnown) }
        guard transaction.hasValidStructure else { return .failure(.structure) }
        guard !transaction.isCoinbaseShaped else { return .failure(.coinbase) }

        var seen = Set<OutPoint>()
        var inputTotal: UInt64 = 0
        for input in transaction.inputs {
            let outpoint = OutPoint(txid: input.prevTx, index: input.outputIndex)
            guard seen.insert(outpoint).inserted else { return .failure(.duplicateInput(outpoint)) }
            if let other = spenders[outpoint] { return .failure(.conflict(outpoint, spentBy: other)) }
            guard let spent = try utxo(outpoint) else { return .failure(.missingInput(outpoint)) }
            let (sum, overflow) = inputTotal.addingReportingOverflow(spent.amount)
            // Confirmed outputs sum to at most the supply, so an overflow means a broken UTXO view.
            guard !overflow else { return .failure(.valueOutGreaterThanIn) }
            inputTotal = sum
        }
        // hasValidStructure bounds the output sum by the supply cap, so it cannot overflow.
        let outputTotal = transaction.outputs.reduce(UInt64(0)) { $0 + $1.amount }
        guard outputTotal <= inputTotal else { return .failure(.valueOutGreaterThanIn) }

        let size = 16 + 100 * transaction.inputs.count + 40 * transaction.outputs.count
        guard entries.count < configuration.maxTransactions, totalBytes + size <= configuration.maxBytes else {
            return .failure(.full)
        }
        let entry = Entry(
            transaction: transaction,
            txid: txid,
            size: size,
            fee: inputTotal - outputTotal,
            sequence: nextSequence
        )
        nextSequence += 1
        entries[txid] = entry
        pendingChanges[txid] = .some(entry)
        for outpoint in seen { spenders[outpoint] = txid }
        totalBytes += size
        return .success(entry)
    }

    /// Removes `txid` (no-op when absent).
    @discardableResult
    public mutating func remove(_ txid: Hash256) -> Entry? {
        guard let entry = entries.removeValue(forKey: txid) else { return nil }
        pendingChanges[txid] = .some(nil)
        for input in entry.transaction.inputs {
            spenders[OutPoint(txid: input.prevTx, index: input.outputIndex)] = nil
        }
        totalBytes -= entry.size
        return entry
    }

    /// A block joined the main chain: its transactions leave the pool, and so does every pooled transaction
    /// that spends an outpoint the block spent (a conflict, now invalid).
    ///
    /// - Returns: txids removed as conflicts (not those mined).
    @discardableResult
    public mutating func removeConfirmed(_ transactions: [Transaction]) -> [Hash256] {
        var conflicts: [Hash256] = []
        for transaction in transactions {
            let txid = transaction.txid
            if remove(txid) != nil { continue }
            for input in transaction.inputs {
                let outpoint = OutPoint(txid: input.prevTx, index: input.outputIndex)
                if let spender = spenders[outpoint], spender != txid {
                    remove(spender)
                    conflicts.append(spender)
                }
            }
        }
        return conflicts
    }

    /// After a reorganization: drops pooled transactions whose inputs are no longer unspent on the new best
    /// chain, then offers the transactions of disconnected blocks back (oldest first, spec §5 fork choice).
    ///
    /// - Returns: txids that were dropped.
    @discardableResult
    public mutating func reorganized(
        returning returned: [Transaction],
        utxo: (OutPoint) throws(ChainError) -> UTXOEntry?
    ) throws(ChainError) -> [Hash256] {
        var dropped: [Hash256] = []
        for entry in entriesInArrivalOrder {
            for input in entry.transaction.inputs
            where try utxo(OutPoint(txid: input.prevTx, index: input.outputIndex)) == nil {
                remove(entry.txid)
                dropped.append(entry.txid)
                break
            }
        }
        for transaction in returned {
            _ = try add(transaction, utxo: utxo)
        }
        return dropped
    }

    /// The pool's changes since the last call, for the store to write in the same transaction as the blocks that
    /// caused them (so a crash never keeps a mined transaction pooled, nor loses an accepted one).
    public mutating func takeChanges() -> MempoolChanges {
        defer { pendingChanges = [:] }
        var changes = MempoolChanges()
        for (txid, entry) in pendingChanges {
            if let entry { changes.added.append(entry) } else { changes.removed.append(txid) }
        }
        changes.added.sort { $0.sequence < $1.sequence }
        changes.removed.sort()
        return changes
    }

    /// Transactions for a new block: arrival order, at most `maxBytes` serialized bytes in all. Pooled
    /// transactions never conflict and spend confirmed outputs only, so any prefix is a valid block body.
    public func selectForBlock(maxBytes: Int) -> [Transaction] {
        var selected: [Transaction] = []
        var bytes = 0
        for entry in entriesInArrivalOrder where bytes + entry.size + 4 <= maxBytes {
            selected.append(entry.transaction)
            bytes += entry.size + 4
        }
        return selected
    }
}
