import BloomCore

/// The best chain's tip.
public struct ChainTip: Sendable, Hashable {
    public var hash: Hash256
    public var height: UInt32

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
    public var hash: Hash256
    public var header: BlockHeader
    public var height: UInt32
    public var status: BlockStatus
    /// Σ of the compact difficulty bits, read as numbers, from genesis through this block (spec §5).
    public var totalWork: UInt64
    /// Σ of transaction counts from genesis through this block.
    public var totalTransactions: UInt64
    public var transactionCount: UInt32
    /// Serialized size in bytes.
    public var size: UInt32

    public var parent: Hash256 { header.prevHash }

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
    public var amount: UInt64
    public var address: Hash256
    /// Height of the block that created it.
    public var height: UInt32
    public var isCoinbase: Bool

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
    public struct Record: Sendable, Hashable {
        public var outpoint: OutPoint
        public var previous: UTXOEntry?

        public init(outpoint: OutPoint, previous: UTXOEntry?) {
            self.outpoint = outpoint
            self.previous = previous
        }
    }

    public var records: [Record]

    public init(records: [Record]) { self.records = records }
}

/// The persistent summary of the best chain, kept by the store next to the tip.
public struct ChainState: Sendable, Hashable {
    public var tip: ChainTip
    public var utxoCount: UInt64
    /// Σ of unspent amounts. Bounded by the sum of all block rewards on a valid chain, so it never overflows.
    public var totalValue: UInt64

    public init(tip: ChainTip, utxoCount: UInt64, totalValue: UInt64) {
        self.tip = tip
        self.utxoCount = utxoCount
        self.totalValue = totalValue
    }
}

/// What `bloom chain` shows (and `chain.json` → `final_chain_info` records).
public struct ChainInfo: Sendable, Hashable {
    public var height: UInt32
    public var tipHash: Hash256
    public var totalWork: UInt64
    public var totalTransactions: UInt64
    public var utxoCount: UInt64
    public var totalValue: UInt64

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
