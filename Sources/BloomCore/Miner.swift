/// A sealed block's Proof-of-Coherence, as plain values (spec §6.4, SEAL).
///
/// The caller builds the header and the `ConsensusCertificate` from it: certificate {bloom_start, bloom_end, N,
/// threshold Z_C (f32 `d7b35d3f`), required_rounds 7, `rValuesWire`, `psiValuesWire`, `finalPhasesWire`}, header
/// {nonce, order_parameter = `orderParameterWire`, mean_phase = `meanPhaseWire`, N, …}.
public struct BloomSeal: Sendable, Equatable {
    /// The nonce attempt (0-based) that bloomed.
    public var attempt: Int
    /// The header nonce: L_attempt mod 2^32.
    public var nonce: UInt32
    /// The rounds and per-round r/ψ of the bloom.
    public var window: BloomWindow
    /// The phases of the sealing round (f64).
    public var finalPhases: [Double]

    /// A seal for the bloom of attempt `attempt`.
    public init(attempt: Int, nonce: UInt32, bloom: Bloom) {
        self.attempt = attempt
        self.nonce = nonce
        self.window = bloom.window
        self.finalPhases = bloom.finalPhases
    }

    /// The certificate's bloom_start. Round indices are below `MinerConfig.maxRounds` ≤ 2^32 − 1.
    public var bloomStart: UInt32 { UInt32(truncatingIfNeeded: window.bloomStart) }
    /// The certificate's bloom_end (the sealing round).
    public var bloomEnd: UInt32 { UInt32(truncatingIfNeeded: window.bloomEnd) }
    /// N, the number of final phases.
    public var oscillatorCount: UInt32 { UInt32(truncatingIfNeeded: finalPhases.count) }
    /// r of the sealing round (f64): the last of `window.rValues`.
    public var r: Double { window.rValues.last ?? 0 }
    /// ψ of the sealing round (f64).
    public var psi: Double { window.psiValues.last ?? 0 }

    /// The certificate's r_values (f64 → f32, round to nearest even).
    public var rValuesWire: [Float] { window.rValues.map(Float.init) }
    /// The certificate's psi_values.
    public var psiValuesWire: [Float] { window.psiValues.map(Float.init) }
    /// The certificate's final_phases.
    public var finalPhasesWire: [Float] { finalPhases.map(Float.init) }
    /// The header's order_parameter.
    public var orderParameterWire: Float { Float(r) }
    /// The header's mean_phase.
    public var meanPhaseWire: Float { Float(psi) }
}

/// One round of the miner.
public struct MinerRound: Sendable, Equatable {
    /// The nonce attempt the round belongs to.
    public var attempt: Int
    /// The attempt's nonce.
    public var nonce: UInt32
    /// The round itself.
    public var result: RoundResult
    /// Set when this round sealed a block.
    public var seal: BloomSeal?
}

/// The Kuramoto miner of spec §6 as a round-by-round state machine, so a service can pace it, stop it, restart
/// it on a new tip and mix in peers' phases between rounds.
///
/// Attempts a = 0, 1, … < `maxNonceAttempts` each run `maxRounds` rounds from the seed `L_a mod 2^31`; a round
/// that completes L4 coherent rounds yields a `BloomSeal`. The seed does not depend on the tip, so `restart()`
/// (on a new tip) replays the same dynamics, as the reference does; blocks differ by their headers. After a
/// seal the ensemble keeps running (a node keeps gossiping while it builds and submits the block).
public struct KuramotoMiner: Sendable {
    /// The validated configuration.
    public let config: MinerConfig
    /// The current attempt (0-based).
    public private(set) var attempt: Int
    /// The current attempt's nonce. Kept with the attempt rather than recomputed: every round reports it, and
    /// `Lucas.trace` walks all 64 bits of the attempt (callgrind: ≈1 900 instructions, a tenth of a mean-field round).
    public private(set) var nonce: UInt32
    /// The current attempt's dynamics.
    public private(set) var run: KuramotoRun
    /// True once every attempt ran `maxRounds` rounds; `step()` then does nothing until `restart()`.
    public private(set) var isExhausted: Bool

    /// A miner at attempt 0, round 0.
    /// - Throws: `KuramotoError.invalidConfiguration` when `config.validate()` fails.
    public init(config: MinerConfig) throws(KuramotoError) {
        try config.validate()
        self.config = config
        self.attempt = 0
        self.nonce = Self.nonce(forAttempt: 0)
        self.isExhausted = false
        self.run = Self.makeRun(config: config, attempt: 0)
    }

    /// The nonce of attempt `attempt`: L_attempt mod 2^32 (spec §6.2).
    public static func nonce(forAttempt attempt: Int) -> UInt32 {
        Lucas.trace(UInt64(max(0, attempt)))
    }

    /// The RNG seed of a nonce: nonce mod 2^31.
    public static func seed(forNonce nonce: UInt32) -> UInt32 {
        nonce & 0x7fff_ffff
    }

    /// The current phases.
    public var phases: [Double] { run.phases }

    /// The order parameter (r, ψ) of the current phases.
    public func orderParameter() -> (r: Double, psi: Double) {
        run.orderParameter()
    }

    /// Replaces the phases between rounds (e.g. with a `PhaseMixing.mergePhaseStates` result).
    /// - Throws: `KuramotoError.phaseCountMismatch` when `phases` does not have N elements.
    public mutating func setPhases(_ phases: [Double]) throws(KuramotoError) {
        try run.setPhases(phases)
    }

    /// Runs one round; nil when the miner is exhausted (call `restart()`).
    ///
    /// When the round was the attempt's last, the next call starts the next attempt from a fresh seed.
    public mutating func step() -> MinerRound? {
        if isExhausted { return nil }
        let result = run.step()
        let seal = result.bloom.map { BloomSeal(attempt: attempt, nonce: nonce, bloom: $0) }
        let round = MinerRound(attempt: attempt, nonce: nonce, result: result, seal: seal)
        if run.round >= config.maxRounds {
            if attempt + 1 >= config.maxNonceAttempts {
                // Keep the last phases visible (they are still gossiped) until the caller restarts.
                isExhausted = true
            } else {
                attempt += 1
                nonce = Self.nonce(forAttempt: attempt)
                run = Self.makeRun(config: config, attempt: attempt)
            }
        }
        return round
    }

    /// Starts over at attempt 0, round 0 (e.g. on a new tip). Costs one RNG seeding: no dynamics are replayed.
    public mutating func restart() {
        attempt = 0
        nonce = Self.nonce(forAttempt: 0)
        isExhausted = false
        run = Self.makeRun(config: config, attempt: 0)
    }

    /// Mixes a peer's phases into the ensemble between rounds (spec §7.5).
    /// - Throws: `PhaseMixingError` for a weight outside [0, 1] or NaN.
    public mutating func incorporatePeerPhases(_ peer: [Double], weight: Double) throws(PhaseMixingError) {
        try run.incorporatePeerPhases(peer, weight: weight)
    }

    private static func makeRun(config: MinerConfig, attempt: Int) -> KuramotoRun {
        let seed = seed(forNonce: nonce(forAttempt: attempt))
        let ensemble = KuramotoEnsemble.initial(
            seed: seed,
            count: config.oscillatorCount,
            frequencyStd: config.frequencyStd
        )
        return KuramotoRun(
            ensemble: ensemble,
            baseCoupling: config.effectiveCoupling,
            dt: config.dt,
            useAdaptive: config.useAdaptive,
            rule: config.bloomRule,
            sum: config.couplingSum
        )
    }
}
