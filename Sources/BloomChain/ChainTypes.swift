import BloomCore

/// The best chain's tip.
public struct ChainTip: Sendable, Hashable {
    /// Hash of the tip block.
    public var hash: Hash256
    /// Its height (genesis = 0).
    public var height: UInt32

    /// Creates a tip.
    public init(hash: Hash256, height: UInt32) {
        self.hash = hash
        self.height = height
    }
}

/// How far a stored block has been validated.
public enum BlockStatus: UInt8, Sendable, Hashable {
    /// Steps 0–7 of spec §5 passed: a side-branch block whose transactions were never checked.
    case headerValid = 1
    /// Step 8 passed too, the last time the block was connected to the main chain.
    case transactionsValid = 2
}

/// One block of the block tree (any branch), without its body.
public struct BlockIndexEntry: Sendable, Hashable {
    /// The block hash (bloom_hash of the header).
    public var hash: Hash256
    /// The 92-byte header, decoded.
    public var header: BlockHeader
    /// Distance from the genesis along its own branch.
    public var height: UInt32
    /// How far it has been validated.
    public var status: BlockStatus
    /// Σ of the compact difficulty bits, read as numbers, from genesis through this block (spec §5).
    public var totalWork: UInt64
    /// Σ of transaction counts from genesis through this block.
    public var totalTransactions: UInt64
    /// Transactions in this block.
    public var transactionCount: UInt32
    /// Serialized size in bytes.
    public var size: UInt32

    /// The parent's hash.
    public var parent: Hash256 { header.prevHash }

    /// Creates an entry.
    public init(
        hash: Hash256,
        header: BlockHeader,
        height: UInt32,
        status: BlockStatus,
        totalWork: UInt64,
        totalTransactions: UInt64,
        transactionCount: UInt32,
        size: UInt32
    ) {
        self.hash = hash
        self.header = header
        self.height = height
        self.status = status
        self.totalWork = totalWork
        self.totalTransactions = totalTransactions
        self.transactionCount = transactionCount
        self.size = size
    }
}

/// An unspent output (spec §5: (txid, index) → (amount, address, height, is_coinbase)).
public struct UTXOEntry: Sendable, Hashable {
    /// Base units.
    public var amount: UInt64
    /// Owner.
    public var address: Hash256
    /// Height of the block that created it.
    public var height: UInt32
    /// Created by a coinbase.
    public var isCoinbase: Bool

    /// Creates an entry.
    public init(amount: UInt64, address: Hash256, height: UInt32, isCoinbase: Bool) {
        self.amount = amount
        self.address = address
        self.height = height
        self.isCoinbase = isCoinbase
    }
}

/// What connecting a block did to the UTXO set, so that disconnecting it restores the set exactly.
///
/// `records` are in the order the changes were applied; each holds the outpoint's value *before* the change
/// (nil: it did not exist). Undo replays them backwards. This also covers an output that overwrote an existing
/// outpoint (spec §5: "adding an already existing outpoint overwrites it").
public struct BlockUndo: Sendable, Hashable {
    /// One change: the outpoint and what it held before.
    public struct Record: Sendable, Hashable {
        /// The outpoint that changed.
        public var outpoint: OutPoint
        /// Its value before the change; nil when it did not exist.
        public var previous: UTXOEntry?

        /// Creates a record.
        public init(outpoint: OutPoint, previous: UTXOEntry?) {
            self.outpoint = outpoint
            self.previous = previous
        }
    }

    /// The changes, in the order they were applied.
    public var records: [Record]

    /// Creates undo data.
    public init(records: [Record]) { self.records = records }
}

/// The persistent summary of the best chain, kept by the store next to the tip.
public struct ChainState: Sendable, Hashable {
    /// The best tip.
    public var tip: ChainTip
    /// Number of unspent outputs.
    public var utxoCount: UInt64
    /// Σ of unspent amounts. Bounded by the sum of all block rewards on a valid chain, so it never overflows.
    public var totalValue: UInt64

    /// Creates a state.
    public init(tip: ChainTip, utxoCount: UInt64, totalValue: UInt64) {
        self.tip = tip
        self.utxoCount = utxoCount
        self.totalValue = totalValue
    }
}

/// What `bloom chain` shows (and `chain.json` → `final_chain_info` records).
public struct ChainInfo: Sendable, Hashable {
    /// Tip height.
    public var height: UInt32
    /// Tip hash.
    public var tipHash: Hash256
    /// Σ of compact difficulty bits from genesis through the tip, read as numbers (spec §5).
    public var totalWork: UInt64
    /// Σ of transaction counts of the main chain.
    public var totalTransactions: UInt64
    /// Number of unspent outputs.
    public var utxoCount: UInt64
    /// Σ of unspent amounts, base units.
    public var totalValue: UInt64

    /// Creates chain info.
    public init(
        height: UInt32,
        tipHash: Hash256,
        totalWork: UInt64,
        totalTransactions: UInt64,
        utxoCount: UInt64,
        totalValue: UInt64
    ) {
        self.height = height
        self.tipHash = tipHash
        self.totalWork = totalWork
        self.totalTransactions = totalTransactions
        self.utxoCount = utxoCount
        self.totalValue = totalValue
    }
}
