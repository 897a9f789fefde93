import BloomCore

/// What one sharing tick decided. The caller encodes the local ensemble once and sends it as told.
public struct SharingDecision: Equatable, Sendable {
    /// Broadcast one PHASE of the local ensemble to every peer.
    public var broadcastPhase: Bool
    /// Send one PHASE to each of these peers (GETPHASE answers), ascending ids; empty when `broadcastPhase`.
    public var answer: [GossipPeer]
    /// Broadcast one COHERENCE (r, ψ) of the local ensemble.
    public var broadcastCoherence: Bool

    /// Nothing to send.
    public static let none = SharingDecision(broadcastPhase: false, answer: [], broadcastCoherence: false)

    /// A decision with every field given.
    public init(broadcastPhase: Bool, answer: [GossipPeer], broadcastCoherence: Bool) {
        self.broadcastPhase = broadcastPhase
        self.answer = answer
        self.broadcastCoherence = broadcastCoherence
    }
}

/// Timing of the sharing state machine; every value in seconds of the injected clock.
public struct PhaseSharingConfiguration: Equatable, Sendable {
    /// The sharing tick. One second, so that no peer gets more than one PHASE a second (spec §7.4): the seed's
    /// 618 ms would make about 97 a minute, over the 60 a minute every Swift peer enforces.
    public var tickInterval: Double
    /// `min_share_interval` (GOSSIP_INTERVAL_MS / 1000), kept as the strategy's own floor.
    public var minShareInterval: Double
    /// A COHERENCE is broadcast when no PHASE or COHERENCE went out for this long, so that peers' network
    /// coherence (`get_network_coherence`) stays fresh while our strategy is silent (far from a bloom).
    public var coherenceKeepAlive: Double

    /// The node's settings: 1 s tick, 618 ms share floor, COHERENCE after 10 s of silence.
    public init(tickInterval: Double = 1.0, minShareInterval: Double = 0.618, coherenceKeepAlive: Double = 10) {
        self.tickInterval = tickInterval
        self.minShareInterval = minShareInterval
        self.coherenceKeepAlive = coherenceKeepAlive
    }
}

/// The sharing state machine (spec §7.4 with the Swift node's per-peer rate, §2.5 item 9 for GETPHASE).
///
/// | event | state change | action |
/// | --- | --- | --- |
/// | `phaseRequested(peer)` | peer added to the pending set | none until the next tick |
/// | `tick(now, r)`, < `tickInterval` since the last tick | none | nil: not due (requests stay pending) |
/// | `tick`, strategy shares, ≥ `minShareInterval` since the last | last r/time := now | PHASE to all, pending done |
/// | `tick`, strategy silent | pending cleared | PHASE to each pending peer |
/// | `tick`, nothing sent for `coherenceKeepAlive` | last announce := now | COHERENCE to all |
/// | `peerGone(peer)` | peer dropped from the pending set | none |
///
/// Since ticks are at least `tickInterval` apart and one tick sends each peer at most one PHASE, no peer ever
/// receives more than one PHASE per `tickInterval`, GETPHASE answers included.
public struct PhaseSharing: Sendable {
    /// The strategy in use.
    public let strategy: SharingStrategy
    /// The timing.
    public let configuration: PhaseSharingConfiguration
    /// r at the last broadcast PHASE (`last_shared_r`, 0 at first).
    public private(set) var lastSharedR: Double = 0
    /// Clock value of the last broadcast PHASE.
    public private(set) var lastShareTime: Double?
    /// Clock value of the last tick that ran.
    public private(set) var lastTick: Double?
    /// Peers whose GETPHASE waits for the next tick.
    public private(set) var pendingRequests: Set<GossipPeer> = []
    private var lastAnnounceTime: Double?

    /// A state machine that has shared nothing yet.
    public init(strategy: SharingStrategy, configuration: PhaseSharingConfiguration = PhaseSharingConfiguration()) {
        self.strategy = strategy
        self.configuration = configuration
    }

    /// A GETPHASE arrived: it is answered at the next tick (one PHASE per peer per tick, however many arrive).
    public mutating func phaseRequested(by peer: GossipPeer) {
        pendingRequests.insert(peer)
    }

    /// The peer disconnected: forget its pending request.
    public mutating func peerGone(_ peer: GossipPeer) {
        pendingRequests.remove(peer)
    }

    /// Runs the strategy if a tick is due.
    /// - Parameters:
    ///   - now: the clock.
    ///   - r: the local ensemble's order parameter now.
    /// - Returns: what to send; nil when the tick came too early (nothing ran).
    public mutating func tick(now: Double, r: Double) -> SharingDecision? {
        if let last = lastTick, now - last < configuration.tickInterval { return nil }
        lastTick = now
        let shareAllowed = lastShareTime.map { now - $0 >= configuration.minShareInterval } ?? true
        if shareAllowed && strategy.wantsToShare(r: r, lastSharedR: lastSharedR) {
            lastSharedR = r
            lastShareTime = now
            lastAnnounceTime = now
            pendingRequests.removeAll()
            return SharingDecision(broadcastPhase: true, answer: [], broadcastCoherence: false)
        }
        let answers = pendingRequests.sorted()
        pendingRequests.removeAll()
        let silentFor = lastAnnounceTime.map { now - $0 } ?? .infinity
        let announce = silentFor >= configuration.coherenceKeepAlive
        if announce { lastAnnounceTime = now }
        return SharingDecision(broadcastPhase: false, answer: answers, broadcastCoherence: announce)
    }
}
