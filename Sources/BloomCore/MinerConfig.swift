import Foundation

/// The Kuramoto miner's settings (spec §6.1). The profile is a local choice: validation never re-runs the
/// dynamics.
public struct MinerConfig: Sendable, Equatable {
    /// N, the number of oscillators (`oscillator_count`).
    public var oscillatorCount: Int
    /// `base_coupling`, before the difficulty scaling.
    public var baseCoupling: Double
    /// `frequency_std`: the natural frequencies are Cauchy × (frequencyStd × TAU).
    public var frequencyStd: Double
    /// `dt`, the Euler time step.
    public var dt: Double
    /// `max_rounds` per nonce attempt.
    public var maxRounds: Int
    /// `max_nonce_attempts`.
    public var maxNonceAttempts: Int
    /// `difficulty`, a multiplier of the coupling (not the header's compact bits).
    public var difficulty: Double
    /// `use_adaptive`: K_eff rises near Z_C.
    public var useAdaptive: Bool
    /// Which rounds count as coherent. `.wireSafe` by default (spec §6.4 caveat); `.reference` replays the
    /// reference exactly.
    public var bloomRule: BloomThresholdRule
    /// The form of the coupling sums (``KuramotoSum``). `.meanField` by default: O(N) per round instead of
    /// O(N²), and a local choice like the profile, since validation checks a certificate's recorded values and never
    /// re-runs the dynamics (spec §4.6, §6.1). `.pairwiseExact` replays the reference's trajectory bit for bit.
    public var couplingSum: KuramotoSum

    /// A configuration with every field given; the defaults are the reference's `MinerConfig()`, except the two
    /// choices that only a replay of the reference needs (`bloomRule: .reference`, `couplingSum: .pairwiseExact`).
    public init(
        oscillatorCount: Int = BloomConstants.defaultOscillatorCount,
        baseCoupling: Double = BloomConstants.k,
        frequencyStd: Double = 1.0,
        dt: Double = 0.01,
        maxRounds: Int = 100_000,
        maxNonceAttempts: Int = 1000,
        difficulty: Double = 1.0,
        useAdaptive: Bool = true,
        bloomRule: BloomThresholdRule = .wireSafe,
        couplingSum: KuramotoSum = .meanField
    ) {
        self.oscillatorCount = oscillatorCount
        self.baseCoupling = baseCoupling
        self.frequencyStd = frequencyStd
        self.dt = dt
        self.maxRounds = maxRounds
        self.maxNonceAttempts = maxNonceAttempts
        self.difficulty = difficulty
        self.useAdaptive = useAdaptive
        self.bloomRule = bloomRule
        self.couplingSum = couplingSum
    }

    /// The configuration the reference used for every vector block; blooms in about 150 rounds. The Swift
    /// miner's default profile.
    public static let quick = MinerConfig(
        baseCoupling: 2 * BloomConstants.k,
        frequencyStd: 0.5,
        dt: 0.02,
        maxRounds: 5000,
        maxNonceAttempts: 10,
        difficulty: 0.5
    )

    /// The reference's default `MinerConfig()`; in practice it does not bloom (spec §6.1).
    public static let reference = MinerConfig()

    /// k_base = `base_coupling / difficulty ** TAU` (f64, `pow`).
    public var effectiveCoupling: Double {
        baseCoupling / pow(difficulty, BloomConstants.tau)
    }

    /// Checks that the configuration can seal valid blocks and that no field is absurd.
    /// - Throws: `KuramotoError.invalidConfiguration` naming the first bad field (spec §6.1 names).
    public func validate() throws(KuramotoError) {
        // A certificate needs 7 ≤ N ≤ 10 000 (spec §5 step 5); a smaller ensemble could never seal a valid block.
        guard (BloomConstants.l4...BloomConstants.maxOscillatorCount).contains(oscillatorCount) else {
            throw .invalidConfiguration(field: "oscillator_count")
        }
        guard baseCoupling.isFinite else { throw .invalidConfiguration(field: "base_coupling") }
        guard frequencyStd.isFinite, frequencyStd >= 0 else { throw .invalidConfiguration(field: "frequency_std") }
        guard dt.isFinite, dt > 0 else { throw .invalidConfiguration(field: "dt") }
        // Round indices go into the certificate as u32.
        guard maxRounds >= 1, UInt64(maxRounds) <= UInt64(UInt32.max) else {
            throw .invalidConfiguration(field: "max_rounds")
        }
        guard maxNonceAttempts >= 1 else { throw .invalidConfiguration(field: "max_nonce_attempts") }
        guard difficulty.isFinite, difficulty > 0, effectiveCoupling.isFinite else {
            throw .invalidConfiguration(field: "difficulty")
        }
    }
}
