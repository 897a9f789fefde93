import BloomWire

/// A peer's last PHASE, widened to f64 (spec §7.2: the f32 values widen exactly).
public struct PeerPhaseState: Equatable, Sendable {
    /// The peer's phases (possibly a §7.1 downsample).
    public var phases: [Double]
    /// The r the peer claimed.
    public var claimedR: Double
    /// The r of the phases themselves.
    public var recomputedR: Double
    /// The ψ the peer claimed.
    public var psi: Double
    /// Clock value of arrival.
    public var receivedAt: Double
}

/// A peer's last COHERENCE.
public struct PeerCoherence: Equatable, Sendable {
    /// The reported r (widened from f32).
    public var r: Double
    /// The reported ψ.
    public var psi: Double
    /// Clock value of arrival.
    public var receivedAt: Double
}

/// Everything bloom-gossip keeps about one peer. Owned by `GossipEngine`.
public struct PeerRecord: Sendable {
    /// `ip:port` from bloom-net's `p2p.peer`, when known.
    public var address: String?
    /// The last PHASE, until it goes stale.
    public var phase: PeerPhaseState?
    /// The last COHERENCE, until it goes stale.
    public var coherence: PeerCoherence?
    /// The latest r the peer reported (PHASE or COHERENCE) and when, for the jump and contradiction checks.
    public var lastReport: (r: Double, at: Double)?
    /// PHASE allowance: 60 a minute (burst 60, refill 1/s, spec §2.5 item 13).
    public var phaseBucket: TokenBucket
    /// New-BLOOM allowance (`GossipConfiguration.bloomLimit`).
    public var bloomBucket: TokenBucket
    /// Clock value of the last message from the peer or about it.
    public var lastHeard: Double
    /// Consistency evidence.
    public var counters: ConsistencyCounters

    /// A peer first seen at `now`.
    public init(address: String?, now: Double, phaseLimit: RateLimit, bloomLimit: RateLimit) {
        self.address = address
        self.phaseBucket = TokenBucket(limit: phaseLimit, now: now)
        self.bloomBucket = TokenBucket(limit: bloomLimit, now: now)
        self.lastHeard = now
        self.counters = ConsistencyCounters(now: now)
    }

    /// The most recent r the peer reported, PHASE or COHERENCE, for display.
    public var reportedR: Double? { lastReport?.r }
}
