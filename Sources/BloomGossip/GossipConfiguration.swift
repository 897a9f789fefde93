import BloomWire

/// Settings of the gossip logic; every duration in seconds of the injected clock.
public struct GossipConfiguration: Sendable {
    /// `--gossip-strategy` (default bloom, the reference runner's).
    public var strategy: SharingStrategy
    /// Tick and share timing.
    public var sharing: PhaseSharingConfiguration
    /// A peer's PHASE or COHERENCE older than this no longer counts (network view, report).
    public var staleAfter: Double
    /// How often every peer's score is published (`gossip.score`, "every few seconds").
    public var scoreInterval: Double
    /// `--incorporate-weight`: weight of the network view mixed into the local ensemble each tick while mining.
    public var incorporateWeight: Double
    /// Per-peer PHASE limit.
    public var phaseLimit: RateLimit
    /// Per-peer BLOOM limit. A certificate that verifies is cheap to fabricate (phases all equal give r = 1), and
    /// each new one costs a `gossip.expect` and a relay to every peer, so a peer may bring at most a burst of 20
    /// new BLOOMs, then 2 a second (far above a local test network's pace); the rest are dropped without penalty,
    /// since the spec sets no BLOOM limit that an honest peer would know to respect.
    public var bloomLimit: RateLimit
    /// A peer silent this long is forgotten (its `p2p.peer` disconnect may have been dropped on the bus).
    public var forgetAfter: Double
    /// Misbehaviour points for a malformed PHASE/COHERENCE or a PHASE over the limit (spec §2.5 item 13: one).
    public var protocolViolationPoints: Int
    /// Points for an invalid certificate in a BLOOM ("how many is the node's choice": half a ban).
    public var invalidCertificatePoints: Int
    /// Points for new bad consistency evidence while the peer's score is under the penalty threshold.
    public var inconsistencyPoints: Int
    /// The consistency checks.
    public var rules: ConsistencyRules
    /// The score's weights and thresholds.
    public var score: ConsistencyScoreParameters

    /// The node's defaults, with the strategy and weight from the flags.
    public init(
        strategy: SharingStrategy = .bloom,
        sharing: PhaseSharingConfiguration = PhaseSharingConfiguration(),
        staleAfter: Double = 30,
        scoreInterval: Double = 5,
        incorporateWeight: Double = 0.1,
        phaseLimit: RateLimit = .phase,
        bloomLimit: RateLimit = RateLimit(burst: 20, refillPerSecond: 2),
        forgetAfter: Double = 600,
        protocolViolationPoints: Int = 1,
        invalidCertificatePoints: Int = 5,
        inconsistencyPoints: Int = 1,
        rules: ConsistencyRules = ConsistencyRules(),
        score: ConsistencyScoreParameters = ConsistencyScoreParameters()
    ) {
        self.strategy = strategy
        self.sharing = sharing
        self.staleAfter = staleAfter
        self.scoreInterval = scoreInterval
        self.incorporateWeight = incorporateWeight
        self.phaseLimit = phaseLimit
        self.bloomLimit = bloomLimit
        self.forgetAfter = forgetAfter
        self.protocolViolationPoints = protocolViolationPoints
        self.invalidCertificatePoints = invalidCertificatePoints
        self.inconsistencyPoints = inconsistencyPoints
        self.rules = rules
        self.score = score
    }
}
