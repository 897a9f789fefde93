import Foundation

/// One piece of evidence about what a peer says about coherence.
public enum ConsistencyEvidence: String, Sendable, CaseIterable {
    /// A PHASE whose claimed r agrees with the phases it carries (the only good evidence).
    case consistentReport = "consistent_report"
    /// A PHASE whose claimed r disagrees with the r of its own phases.
    case inconsistentR = "inconsistent_r"
    /// r rose between two reports faster than the dynamics, at any honest gossip rate, can move it.
    case impossibleJump = "impossible_jump"
    /// A valid BLOOM from a peer whose own reports, just before, put its ensemble far from a bloom.
    case contradictingBloom = "contradicting_bloom"
    /// A BLOOM whose certificate fails verification.
    case invalidCertificate = "invalid_certificate"
}

/// Weights, decay and thresholds of the consistency score. Defaults are the node's; tests may change them.
public struct ConsistencyScoreParameters: Equatable, Sendable {
    /// Counters are multiplied by this every second (0.98: half-life ≈ 34 s), so old evidence fades as in
    /// gossipsub; a counter below `decayToZero` becomes 0.
    public var decayPerSecond: Double
    /// Counters smaller than this are dropped to 0.
    public var decayToZero: Double
    /// Reward per consistent report, …
    public var consistentWeight: Double
    /// … counted up to this many reports, so good behaviour cannot bank credit against later lies.
    public var consistentCap: Double
    /// Weight of the squared count of inconsistent PHASE reports.
    public var inconsistentRWeight: Double
    /// Weight of the squared count of impossible r jumps.
    public var jumpWeight: Double
    /// Weight of the (linear) count of contradicting BLOOMs: weak evidence (a fast miner can bloom between two
    /// of its reports), so it is not squared.
    public var contradictionWeight: Double
    /// Weight of the squared count of invalid certificates.
    public var invalidCertificateWeight: Double
    /// Below this score a peer's phases are no longer used (network view, cooperative mining).
    public var listenThreshold: Double
    /// Below this score every new piece of bad evidence costs the peer a misbehaviour point via `p2p.ctl`.
    public var penaltyThreshold: Double

    /// The node's defaults.
    public init(
        decayPerSecond: Double = 0.98,
        decayToZero: Double = 0.01,
        consistentWeight: Double = 0.1,
        consistentCap: Double = 10,
        inconsistentRWeight: Double = 1,
        jumpWeight: Double = 1,
        contradictionWeight: Double = 0.5,
        invalidCertificateWeight: Double = 10,
        listenThreshold: Double = -5,
        penaltyThreshold: Double = -10
    ) {
        self.decayPerSecond = decayPerSecond
        self.decayToZero = decayToZero
        self.consistentWeight = consistentWeight
        self.consistentCap = consistentCap
        self.inconsistentRWeight = inconsistentRWeight
        self.jumpWeight = jumpWeight
        self.contradictionWeight = contradictionWeight
        self.invalidCertificateWeight = invalidCertificateWeight
        self.listenThreshold = listenThreshold
        self.penaltyThreshold = penaltyThreshold
    }
}

/// A peer's decaying evidence counters and the score they give (see the module documentation, `BloomGossip`).
public struct ConsistencyCounters: Equatable, Sendable {
    /// Decayed count per kind of evidence.
    public private(set) var counts: [ConsistencyEvidence: Double] = [:]
    /// Clock value the counts were last decayed to.
    public private(set) var asOf: Double

    /// Empty counters at `now`.
    public init(now: Double) { self.asOf = now }

    /// Decays the counters to `now` (a clock that goes backwards decays nothing).
    public mutating func decay(to now: Double, parameters: ConsistencyScoreParameters) {
        let elapsed = now - asOf
        guard elapsed > 0 else { return }
        let factor = pow(parameters.decayPerSecond, elapsed)
        for (kind, value) in counts {
            let decayed = value * factor
            counts[kind] = decayed < parameters.decayToZero ? nil : decayed
        }
        asOf = now
    }

    /// Adds one piece of evidence at the counters' time.
    public mutating func add(_ evidence: ConsistencyEvidence) {
        counts[evidence, default: 0] += 1
    }

    /// The decayed count of one kind.
    public func count(_ evidence: ConsistencyEvidence) -> Double { counts[evidence] ?? 0 }

    /// The score: capped reward for consistent reports minus weighted (mostly squared) bad counts. 0 is
    /// neutral, negative is bad, as gossipsub's.
    public func score(_ p: ConsistencyScoreParameters) -> Double {
        let good = p.consistentWeight * min(count(.consistentReport), p.consistentCap)
        let inconsistent = count(.inconsistentR)
        let jumps = count(.impossibleJump)
        let invalid = count(.invalidCertificate)
        let bad = p.inconsistentRWeight * inconsistent * inconsistent
            + p.jumpWeight * jumps * jumps
            + p.contradictionWeight * count(.contradictingBloom)
            + p.invalidCertificateWeight * invalid * invalid
        return good - bad
    }
}
