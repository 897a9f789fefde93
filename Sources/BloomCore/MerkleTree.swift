/// The Merkle root of a block's txids (spec §4.7).
public enum MerkleTree {
    /// Empty → zero; one leaf → the leaf itself; otherwise pairs are hashed with SHA256d(left ‖ right), the last
    /// node of an odd level being paired with itself, until one node remains.
    public static func root(_ txids: [Hash256]) -> Hash256 {
        if txids.isEmpty { return .zero }
        var level = txids
        var pair = [UInt8](repeating: 0, count: 64)
        while level.count > 1 {
            var next: [Hash256] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i < level.count {
                let left = level[i]
                let right = i + 1 < level.count ? level[i + 1] : left
                pair.withUnsafeMutableBytes { buffer in
                    left.withUnsafeBytes {
                        UnsafeMutableRawBufferPointer(rebasing: buffer[0..<32]).copyMemory(from: $0)
                    }
                    right.withUnsafeBytes {
                        UnsafeMutableRawBufferPointer(rebasing: buffer[32..<64]).copyMemory(from: $0)
                    }
                }
                next.append(pair.withUnsafeBytes { SHA256d.hash($0) })
                i += 2
            }
            level = next
        }
        // Each level halves (rounding up) a non-empty one, so exactly one node is left.
        return level[0]
    }
}
