import Foundation

/// numpy's legacy `RandomState`: MT19937 with `init_genrand` seeding, 53-bit doubles from two draws, the
/// polar Box–Muller `gauss()` with its one-value cache, and `standard_cauchy` (spec §6.2).
///
/// Every value is integer- or IEEE-exact, so a seed gives the reference's initial Kuramoto state bit for bit.
/// One owner at a time: the generator is a mutable value.
public struct LegacyRandomState: Sendable {
    static let stateLength = 624
    static let shift = 397
    static let matrixA: UInt32 = 0x9908_b0df
    static let upperMask: UInt32 = 0x8000_0000
    static let lowerMask: UInt32 = 0x7fff_ffff

    private var mt: [UInt32]
    private var position: Int
    /// The second value of the last Box–Muller pair, handed out by the next `gauss()` call.
    private var cachedGauss: Double?

    /// Seeds the generator as `RandomState(seed)` does for an integer seed (MT19937 `init_genrand`).
    public init(seed: UInt32) {
        var mt = [UInt32](repeating: 0, count: Self.stateLength)
        mt[0] = seed
        for i in 1..<Self.stateLength {
            let previous = mt[i - 1]
            mt[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        self.mt = mt
        self.position = Self.stateLength
        self.cachedGauss = nil
    }

    /// The next tempered 32-bit output.
    public mutating func nextUInt32() -> UInt32 {
        if position >= Self.stateLength { twist() }
        var y = mt[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// A double in [0, 1) with 53 random bits: `((a >> 5) × 2^26 + (b >> 6)) / 2^53`.
    public mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5)
        let b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// A standard normal value by numpy's legacy polar Box–Muller, which produces two values per accepted pair
    /// and caches the second (`f·x1`) for the next call.
    public mutating func gauss() -> Double {
        if let cached = cachedGauss {
            cachedGauss = nil
            return cached
        }
        var x1 = 0.0
        var x2 = 0.0
        var r2 = 0.0
        repeat {
            x1 = 2.0 * nextDouble() - 1.0
            x2 = 2.0 * nextDouble() - 1.0
            // Two separately rounded products, as the reference (no fused multiply-add).
            let x1Squared = x1 * x1
            let x2Squared = x2 * x2
            r2 = x1Squared + x2Squared
        } while r2 >= 1.0 || r2 == 0.0
        let f = (-2.0 * log(r2) / r2).squareRoot()
        cachedGauss = f * x1
        return f * x2
    }

    /// A standard Cauchy value: `gauss() / gauss()`, the numerator drawn first.
    public mutating func standardCauchy() -> Double {
        let numerator = gauss()
        let denominator = gauss()
        return numerator / denominator
    }

    /// Regenerates all 624 words of state (the standard MT19937 recurrence).
    private mutating func twist() {
        let n = Self.stateLength
        let m = Self.shift
        mt.withUnsafeMutableBufferPointer { mt in
            for i in 0..<n {
                let y = (mt[i] & Self.upperMask) | (mt[(i + 1) % n] & Self.lowerMask)
                let mag: UInt32 = (y & 1) == 1 ? Self.matrixA : 0
                mt[i] = mt[(i + m) % n] ^ (y >> 1) ^ mag
            }
        }
        position = 0
    }
}
