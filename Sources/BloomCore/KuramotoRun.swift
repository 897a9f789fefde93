/// What one round of a Kuramoto run did (spec §6.4).
public struct RoundResult: Sendable, Equatable {
    /// The round index within the run (0 for the initial phases).
    public var round: Int
    /// The order parameter r of the phases at the start of the round.
    public var r: Double
    /// The mean phase ψ of those phases, in [0, 2π).
    public var psi: Double
    /// K_eff used for the round's Euler step.
    public var coupling: Double
    /// The bloom this round sealed, if any; its `finalPhases` are the phases *before* the round's step, as the
    /// reference seals them.
    public var bloom: Bloom?
}

/// A sealed bloom: the 7 coherent rounds and the phases of the last one (spec §6.4, SEAL).
public struct Bloom: Sendable, Equatable {
    /// The rounds, r and ψ values of the bloom.
    public var window: BloomWindow
    /// The phases whose r is `window.rValues.last` (f64; the certificate carries them as f32).
    public var finalPhases: [Double]
}

/// The dynamics of one nonce attempt, one round per `step()`: order parameter, bloom check, adaptive coupling,
/// Euler step — `mine_block`'s loop body, with no round limit (the miner applies it).
///
/// After a bloom the run goes on (the step the reference skips by stopping is taken, and detection starts
/// afresh), so a node can keep its ensemble moving for gossip while it builds the block.
public struct KuramotoRun: Sendable {
    /// The oscillators.
    public private(set) var ensemble: KuramotoEnsemble
    /// k_base, the configuration's effective coupling.
    public let baseCoupling: Double
    /// The Euler time step.
    public let dt: Double
    /// Whether K_eff follows the adaptive rule (otherwise it stays `baseCoupling`).
    public let useAdaptive: Bool
    /// The form of the coupling sums each step uses.
    public let sum: KuramotoSum
    /// The index of the round the next `step()` runs.
    public private(set) var round: Int
    private var detector: BloomDetector

    /// A run starting at round 0 from `ensemble`.
    /// - Parameters:
    ///   - ensemble: the initial state.
    ///   - baseCoupling: k_base (`MinerConfig.effectiveCoupling`).
    ///   - dt: the time step.
    ///   - useAdaptive: the reference's `use_adaptive`.
    ///   - rule: which rounds count as coherent.
    ///   - sum: the coupling-sum form; `.pairwiseExact` by default, since a run replays the reference's
    ///     `mine_block` unless told otherwise (the miner passes its configuration's choice).
    public init(
        ensemble: KuramotoEnsemble,
        baseCoupling: Double,
        dt: Double,
        useAdaptive: Bool,
        rule: BloomThresholdRule,
        sum: KuramotoSum = .pairwiseExact
    ) {
        self.ensemble = ensemble
        self.baseCoupling = baseCoupling
        self.dt = dt
        self.useAdaptive = useAdaptive
        self.sum = sum
        self.round = 0
        self.detector = BloomDetector(rule: rule)
    }

    /// The current phases.
    public var phases: [Double] { ensemble.phases }

    /// The order parameter (r, ψ) of the current phases, e.g. to gossip them with a PHASE message.
    public func orderParameter() -> (r: Double, psi: Double) {
        ensemble.orderParameter()
    }

    /// Replaces the phases between rounds (e.g. with a `PhaseMixing.mergePhaseStates` result).
    /// - Throws: `KuramotoError.phaseCountMismatch` when `phases` does not have N elements.
    public mutating func setPhases(_ phases: [Double]) throws(KuramotoError) {
        try ensemble.setPhases(phases)
    }

    /// Runs one round and reports it.
    public mutating func step() -> RoundResult {
        // Measured in place so that a mean-field step reuses the round's cos/sin values; r and ψ are the same bits
        // as `orderParameter()` gives.
        let (r, psi) = ensemble.measureOrderParameter()
        let bloom = detector.observe(round: round, r: r, psi: psi).map {
            Bloom(window: $0, finalPhases: ensemble.phases)
        }
        let coupling = useAdaptive ? KuramotoEnsemble.adaptiveCoupling(r: r, base: baseCoupling) : baseCoupling
        ensemble.step(coupling: coupling, dt: dt, sum: sum)
        let result = RoundResult(round: round, r: r, psi: psi, coupling: coupling, bloom: bloom)
        round += 1
        return result
    }

    /// Mixes a peer's phases into the ensemble between rounds (spec §7.5); the bloom detection carries on, since
    /// each round's r is measured on the phases that round actually has.
    /// - Throws: `PhaseMixingError` for a weight outside [0, 1] or NaN.
    public mutating func incorporatePeerPhases(_ peer: [Double], weight: Double) throws(PhaseMixingError) {
        try ensemble.incorporatePeerPhases(peer, weight: weight)
    }
}
