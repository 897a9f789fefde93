import BloomCore

/// The local ensemble as the gossip logic sees it at a tick.
public struct EnsembleSnapshot: Equatable, Sendable {
    /// The phases (f64).
    public var phases: [Double]
    /// Their order parameter r.
    public var r: Double
    /// Their mean phase ψ.
    public var psi: Double

    /// A snapshot with these values.
    public init(phases: [Double], r: Double, psi: Double) {
        self.phases = phases
        self.r = r
        self.psi = psi
    }

    /// A snapshot of `phases`, with r and ψ computed (§6.3).
    public init(phases: [Double]) {
        let (r, psi) = OrderParameter.compute(phases)
        self.init(phases: phases, r: r, psi: psi)
    }
}

/// The network's phase state: `merge_phase_states` over the fresh PHASE states of listened-to peers (spec §7.6);
/// the engine passes them in ascending peer order, each with weight 1.
public struct NetworkView: Equatable, Sendable {
    /// The merged phases (empty with no peer state).
    public var phases: [Double]
    /// r of the merged phases (0 when empty).
    public var r: Double
    /// ψ of the merged phases (0 when empty).
    public var psi: Double
    /// How many peer states were merged.
    public var peerCount: Int
    /// `get_network_coherence`: the mean of fresh peer COHERENCE r values > 0 (0 if none, spec §7.4).
    public var meanReportedCoherence: Double

    /// Merges the states (already filtered and ordered).
    /// - Parameters:
    ///   - states: the peer states, in merge order.
    ///   - coherences: fresh COHERENCE r values of the same peers.
    /// - Throws: `PhaseMixingError` when a weight is infinite (the merge's mixing weight becomes NaN).
    public init(states: [PhaseState], coherences: [Double]) throws(PhaseMixingError) {
        let merged = try PhaseMixing.mergePhaseStates(states)
        self.phases = merged.phases
        self.r = merged.r
        self.psi = merged.phases.isEmpty ? 0 : OrderParameter.compute(merged.phases).psi
        self.peerCount = states.count
        let positive = coherences.filter { $0 > 0 }
        self.meanReportedCoherence = positive.isEmpty ? 0 : positive.reduce(0, +) / Double(positive.count)
    }

    /// A view with no phase state.
    public init(coherences: [Double]) {
        self.phases = []
        self.r = 0
        self.psi = 0
        self.peerCount = 0
        let positive = coherences.filter { $0 > 0 }
        self.meanReportedCoherence = positive.isEmpty ? 0 : positive.reduce(0, +) / Double(positive.count)
    }
}
