import Foundation

/// SplitMix64: a small deterministic generator, so that a randomised test replays exactly from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator that yields the same sequence for the same seed.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for a test that draws its own moments (kill points, delays): seeded from `BLOOM_TEST_SEED` when
    /// set, else from the system's generator, and the seed is printed with the test's name so that a failing run
    /// can be replayed with `BLOOM_TEST_SEED=<seed>`.
    public static func printingSeed(for test: String = #function) -> SplitMix64 {
        let seed =
            ProcessInfo.processInfo.environment["BLOOM_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64.max)
        print("\(test): random seed \(seed) (replay with BLOOM_TEST_SEED=\(seed))")
        return SplitMix64(seed: seed)
    }
}

extension Array where Element == UInt8 {
    /// `count` bytes from `generator`.
    public static func random(count: Int, using generator: inout SplitMix64) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
