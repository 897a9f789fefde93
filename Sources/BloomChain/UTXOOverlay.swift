import BloomCore

/// The store's UTXO set plus changes not yet committed: what step 8 validates against while blocks are being
/// connected or disconnected, before the resulting ``ChainUpdate`` is committed in one go.
struct UTXOOverlay {
    private(set) var writes: [OutPoint: UTXOEntry] = [:]
    private(set) var deletes: Set<OutPoint> = []
    /// Unspent-output count and total value of the overlaid set. Updated with wrapping arithmetic: the final
    /// values are exact whenever the true totals fit in 64 bits, which a valid chain guarantees.
    private(set) var count: UInt64
    private(set) var value: UInt64

    init(state: ChainState) {
        count = state.utxoCount
        value = state.totalValue
    }

    func lookup<S: ChainStore>(_ outpoint: OutPoint, in store: S) throws(ChainError) -> UTXOEntry? {
        if let written = writes[outpoint] { return written }
        if deletes.contains(outpoint) { return nil }
        return try store.utxo(outpoint)
    }

    /// Sets `outpoint` to `new` (nil deletes it); `previous` is its current value, which the caller looked up.
    mutating func set(_ outpoint: OutPoint, to new: UTXOEntry?, previous: UTXOEntry?) {
        if let previous {
            count &-= 1
            value &-= previous.amount
        }
        if let new {
            writes[outpoint] = new
            deletes.remove(outpoint)
            count &+= 1
            value &+= new.amount
        } else {
            writes[outpoint] = nil
            deletes.insert(outpoint)
        }
    }

    /// Copies the pending changes into `update`.
    func fill(_ update: inout ChainUpdate) {
        update.utxoWrites = writes
        update.utxoDeletes = deletes
    }
}
