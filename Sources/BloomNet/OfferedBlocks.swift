import BloomCore

/// Blocks offered to one peer (listed in BLOCKS or HEADERS, or relayed to it), remembered for a time window:
/// a GETDATA for one of them answers our own offer and is not a block request (spec §2.5 item 5).
///
/// Bounded: past `capacity` entries the oldest are forgotten.
struct OfferedBlocks: Sendable {
    private var offeredAt: [Hash256: Double] = [:]
    private var order: [(hash: Hash256, at: Double)] = []
    private var head = 0
    let window: Double
    let capacity: Int

    init(window: Double, capacity: Int) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    var count: Int { offeredAt.count }

    mutating func offer(_ hash: Hash256, now: Double) {
        offeredAt[hash] = now
        order.append((hash, now))
        evict(now: now)
    }

    func wasOffered(_ hash: Hash256, now: Double) -> Bool {
        guard let at = offeredAt[hash] else { return false }
        return now - at <= window
    }

    private mutating func evict(now: Double) {
        while head < order.count {
            let (hash, at) = order[head]
            let expired = now - at > window
            guard expired || offeredAt.count > capacity else { break }
            // Only forget the hash if this queue entry is its latest offer.
            if offeredAt[hash] == at { offeredAt[hash] = nil }
            head += 1
        }
        // The queue may also hold stale duplicates of re-offered hashes; compact it when half is consumed.
        if head > 64 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
