import BloomCore

/// Blocks whose parent is unknown, waiting for it (spec §2.5 item 6).
///
/// A block hash does not commit to every byte of a block (§5.1), so the pool keeps several byte versions per
/// hash and never judges a block by its hash: each version is validated in full when its parent arrives.
/// Bounded by a block count and a byte budget; when full, the oldest version is evicted first, so a peer
/// flooding orphans can only push out other orphans, never grow memory.
struct OrphanPool {
    private struct Orphan {
        var hash: Hash256
        var parent: Hash256
        var bytes: [UInt8]
    }

    let maxBlocks: Int
    let maxBytes: Int
    /// Arrival order; index 0 is the oldest. Short (≤ `maxBlocks`), so linear scans are cheap.
    private var orphans: [Orphan] = []
    private(set) var totalBytes = 0

    init(maxBlocks: Int, maxBytes: Int) {
        self.maxBlocks = maxBlocks
        self.maxBytes = maxBytes
    }

    var count: Int { orphans.count }

    func contains(hash: Hash256) -> Bool { orphans.contains { $0.hash == hash } }

    /// Adds one byte version (an identical copy is not added twice). Returns false when it cannot fit at all.
    @discardableResult
    mutating func add(hash: Hash256, parent: Hash256, bytes: [UInt8]) -> Bool {
        guard maxBlocks > 0, bytes.count <= maxBytes else { return false }
        if orphans.contains(where: { $0.hash == hash && $0.bytes == bytes }) { return true }
        while orphans.count >= maxBlocks || totalBytes + bytes.count > maxBytes {
            totalBytes -= orphans.removeFirst().bytes.count
        }
        orphans.append(Orphan(hash: hash, parent: parent, bytes: bytes))
        totalBytes += bytes.count
        return true
    }

    /// Removes and returns, oldest first, every version of every orphan whose parent is `parent`.
    mutating func takeChildren(of parent: Hash256) -> [[UInt8]] {
        var taken: [[UInt8]] = []
        var kept: [Orphan] = []
        kept.reserveCapacity(orphans.count)
        for orphan in orphans {
            if orphan.parent == parent {
                taken.append(orphan.bytes)
                totalBytes -= orphan.bytes.count
            } else {
                kept.append(orphan)
            }
        }
        orphans = kept
        return taken
    }
}
