/// The Merkle root of a block's txids (spec §4.7).
public enum MerkleTree {
    /// Empty → zero; one leaf → the leaf itself; otherwise pairs are hashed with SHA256d(left ‖ right), the last
    /// node of an odd level being paired with itself, until one node remains.
    public static func root(_ txids: [Hash256]) -> Hash256 {
        if txids.isEmpty { return .zero }
        // One copy of the leaves, each level written over the one below it (node i of the next level only reads
        // nodes 2i and 2i + 1): one allocation instead of one array per level and a 64-byte scratch array.
        var nodes = txids
        var count = nodes.count
        return nodes.withUnsafeMutableBufferPointer { level in
            while count > 1 {
                var next = 0
                var i = 0
                while i < count {
                    let left = level[i]
                    let right = i + 1 < count ? level[i + 1] : left
                    level[next] = parent(left, right)
                    next += 1
                    i += 2
                }
                count = next
            }
            // Each level halves (rounding up) a non-empty one, so exactly one node is left.
            return level[0]
        }
    }

    /// SHA256d(left ‖ right), the pair laid out in wire order on the stack.
    @inline(__always)
    static func parent(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var pair = (
            left.w0.littleEndian, left.w1.littleEndian, left.w2.littleEndian, left.w3.littleEndian,
            right.w0.littleEndian, right.w1.littleEndian, right.w2.littleEndian, right.w3.littleEndian
        )
        return withUnsafeBytes(of: &pair) { SHA256d.hash($0) }
    }
}
