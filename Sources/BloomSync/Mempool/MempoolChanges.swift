import BloomCore

/// What changed in the ``Mempool`` since the store last saw it: the entries to write and the txids to delete.
/// A transaction added then removed before the store saw it is only in `removed` (deleting a row never written
/// is harmless).
public struct MempoolChanges: Sendable, Hashable {
    /// Entries now pooled that the store has not saved, in arrival order.
    public var added: [Mempool.Entry] = []
    /// Txids that left the pool (mined, conflicting, invalid after a reorganisation).
    public var removed: [Hash256] = []

    /// No change.
    public init() {}

    /// True when there is nothing to write.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
}
