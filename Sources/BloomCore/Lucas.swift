/// Lucas numbers modulo 2^32 (spec §3.2): L₀ = 2, L₁ = 1, Lₙ = Lₙ₋₁ + Lₙ₋₂.
public enum Lucas {
    /// Lₙ mod 2^32, the trace of [[0,1],[1,1]]ⁿ mod 2^32, by fast doubling (O(log n)).
    ///
    /// With Fibonacci numbers F: L₂ₖ = Lₖ² − 2(−1)ᵏ and L₂ₖ₊₁ = LₖLₖ₊₁ − (−1)ᵏ, all wrapping in u32.
    public static func trace(_ n: UInt64) -> UInt32 {
        // (a, b) = (L_k, L_{k+1}) for k = the bits of n read so far.
        var a: UInt32 = 2
        var b: UInt32 = 1
        var k: UInt64 = 0
        for bit in stride(from: 63, through: 0, by: -1) {
            let oddK = k & 1 == 1
            // L_2k and L_2k+1
            let l2k = a &* a &- (oddK ? 0 &- 2 : 2)
            let l2k1 = a &* b &- (oddK ? 0 &- 1 : 1)
            k <<= 1
            if (n >> UInt64(bit)) & 1 == 1 {
                // (L_2k+1, L_2k+2) with L_2k+2 = L_2k+1 + L_2k
                a = l2k1
                b = l2k1 &+ l2k
                k |= 1
            } else {
                a = l2k
                b = l2k1
            }
        }
        return a
    }

    /// The first 1000 traces, used for every block hash (index = nonce mod 1000).
    static let prefixTable: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 1000)
        var a: UInt32 = 2, b: UInt32 = 1
        for i in 0..<1000 {
            table[i] = a
            (a, b) = (b, a &+ b)
        }
        return table
    }()

    /// The 4-byte bloom_hash prefix of a header with this nonce: u32 LE of L_(nonce mod 1000).
    public static func prefix(nonce: UInt32) -> UInt32 {
        prefixTable[Int(nonce % 1000)]
    }
}
