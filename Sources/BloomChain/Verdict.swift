import BloomCore

/// What the node does with a submitted block (spec §11, first column).
public enum Verdict: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Valid and extends the best chain.
    case accept
    /// Valid and stored on a branch that is not longer than the best chain; the tip is unchanged.
    case acceptSideBranch = "accept_side_branch"
    /// Valid and its branch became strictly longer: the node reorganized to it.
    case acceptReorg = "accept_reorg"
    /// Invalid; nothing changed (apart from what §5.1 allows to be remembered).
    case reject
    /// The parent is unknown: the block was held in the orphan pool (spec §2.5 item 6). The tip is unchanged.
    case rejectOrOrphan = "reject_or_orphan"
    /// Already stored; nothing changed.
    case ignore

    /// The spec's name (`accept_side_branch`…).
    public var description: String { rawValue }

    /// True when the block became part of the block tree as a new valid block, the condition for relaying it
    /// (spec §2.5 item 6).
    public var storedNewBlock: Bool {
        switch self {
        case .accept, .acceptSideBranch, .acceptReorg: return true
        case .reject, .rejectOrOrphan, .ignore: return false
        }
    }
}

/// How the main chain moved because of one block.
public struct ChainEffects: Sendable, Hashable {
    /// Blocks that joined the main chain, in ascending height order.
    public var connected: [Hash256] = []
    /// Blocks that left the main chain, from the old tip downwards.
    public var disconnected: [Hash256] = []
    /// Non-coinbase transactions of the disconnected blocks that the new main chain does not contain, oldest
    /// block first and in block order, so that a mempool can take them back (parents before children).
    public var returnedTransactions: [Transaction] = []
    /// The new best tip, when it moved.
    public var newTip: ChainTip?

    /// No change.
    public init() {}
}

/// The outcome of submitting one block: the §11 verdict and reason, and what it changed.
public struct BlockVerdict: Sendable, Hashable, CustomStringConvertible {
    /// What the node did with the block.
    public var verdict: Verdict
    /// Why (spec §11).
    public var reason: ReasonCode
    /// The block hash, or nil when the bytes were too large or did not decode.
    public var hash: Hash256?
    /// Main-chain changes caused by this block (empty unless the verdict is `accept` or `acceptReorg`).
    public var effects: ChainEffects
    /// For `rejectOrOrphan`: the unknown parent, to request from the peer (GETDATA(prev_hash), spec §2.5 item 6).
    public var missingParent: Hash256?
    /// Verdicts of orphans that waited for this block and were evaluated once it was stored, in the order they
    /// were processed (an adopted orphan's own adopted children are listed in its verdict).
    public var adoptedOrphans: [BlockVerdict]

    /// Creates a verdict.
    public init(
        _ verdict: Verdict,
        _ reason: ReasonCode,
        hash: Hash256?,
        effects: ChainEffects = ChainEffects(),
        missingParent: Hash256? = nil,
        adoptedOrphans: [BlockVerdict] = []
    ) {
        self.verdict = verdict
        self.reason = reason
        self.hash = hash
        self.effects = effects
        self.missingParent = missingParent
        self.adoptedOrphans = adoptedOrphans
    }

    /// `verdict/reason hash-prefix`, for logs.
    public var description: String {
        "\(verdict)/\(reason)" + (hash.map { " \($0.hex.prefix(16))" } ?? "")
    }
}
