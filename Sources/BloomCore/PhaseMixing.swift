import Foundation

/// Why a phase mix was refused.
public enum PhaseMixingError: Error, Equatable, Sendable {
    /// The weight is outside [0, 1] (infinities included); the payload is the weight.
    case weightOutOfRange(Double)
    /// The weight is NaN (the reference's `0 <= w <= 1` is false for it, so it refuses too).
    case weightIsNaN
}

/// One peer's phase state as `merge_phase_states` takes it (spec §7.6).
public struct PhaseState: Sendable, Equatable {
    /// The peer's phases (f64).
    public var phases: [Double]
    /// The r the peer claims; the merge ignores it, as the reference does.
    public var rClaimed: Double
    /// The state's weight; states after the first with weight ≤ 0 (or NaN) are skipped.
    public var weight: Double

    /// A state with these phases, claimed r and weight.
    public init(phases: [Double], rClaimed: Double, weight: Double) {
        self.phases = phases
        self.rClaimed = rClaimed
        self.weight = weight
    }
}

/// Cooperative mining: blending peers' oscillator phases into the local ones, as the reference does
/// (spec §7.5, §7.6).
public enum PhaseMixing {
    /// The peer indices the reference uses to bring `peerCount` phases to `localCount`:
    /// `int(linspace(0, m − 1, n))`, i.e. trunc(i × ((m − 1)/(n − 1))) for i < n − 1 and m − 1 last; [0] for
    /// n = 1; clamped to [0, m − 1]. Empty when either count is 0.
    public static func resampleIndices(localCount n: Int, peerCount m: Int) -> [Int] {
        guard n > 0, m > 0 else { return [] }
        let step = resampleStep(localCount: n, peerCount: m)
        return (0..<n).map { resampleIndex($0, localCount: n, peerCount: m, step: step) }
    }

    /// linspace's step (m − 1)/(n − 1); unused (0) for n = 1.
    @inline(__always)
    static func resampleStep(localCount n: Int, peerCount m: Int) -> Double {
        n > 1 ? Double(m - 1) / Double(n - 1) : 0
    }

    /// Index i of `int(linspace(0, m − 1, n))`, clamped. numpy multiplies arange by the step, except when the step
    /// is 0, where it computes (i / div) × delta; both are 0 then (delta = 0), so the one formula serves.
    @inline(__always)
    static func resampleIndex(_ i: Int, localCount n: Int, peerCount m: Int, step: Double) -> Int {
        if n == 1 { return 0 }  // linspace(0, m − 1, 1) = [0.0]
        if i == n - 1 { return m - 1 }  // linspace sets the endpoint exactly
        // i × step < m − 1 here, so the conversion cannot trap; the clamp mirrors the reference's.
        return min(max(Int(Double(i) * step), 0), m - 1)
    }

    /// `incorporate_peer_phases(local, peer, w)` (spec §7.5): each local phase moves toward the (resampled) peer
    /// phase along the unit circle, to the angle of (1−w)·e^{ia} + w·e^{ib}, taken mod 2π.
    ///
    /// Computed as a + atan2(w·sin d, (1−w) + w·cos d) with d = b − a (the same vector turned by −a), with
    /// `PhaseKernels`' inlined sine, cosine and arctangent: one angle reduction and one arctangent per phase
    /// instead of five libm calls. The result agrees with the reference's recipe (`incorporatePeerPhasesExact`)
    /// within the spec's 1e-12 rad, not bit for bit, which §7.5 allows; nothing in consensus depends on it.
    /// Phases beyond ±8 (never produced by an ensemble, possible from a peer's f32 values) and a mixed vector of
    /// exactly zero take the reference recipe.
    /// - Parameters:
    ///   - local: the local phases; the result has their count.
    ///   - peer: the peer's phases, of any count.
    ///   - weight: the peer's weight w in [0, 1].
    /// - Returns: the mixed phases; `local` unchanged when either vector is empty.
    /// - Throws: `PhaseMixingError` when w is NaN or outside [0, 1] (checked before anything else).
    public static func incorporatePeerPhases(
        local: [Double],
        peer: [Double],
        weight: Double
    ) throws(PhaseMixingError) -> [Double] {
        try incorporate(local: local, peer: peer, weight: weight, exact: false)
    }

    /// `incorporate_peer_phases` by the reference's own recipe: `atan2((1−w)·sin a + w·sin b,
    /// (1−w)·cos a + w·cos b)` mod 2π, every product rounded on its own and `1 − w` computed once, as numpy does,
    /// so the result matches the reference bit for bit given the same libm (`incorporate.json` records it). The
    /// node mixes with `incorporatePeerPhases`; this is the baseline its tests and benchmark compare with.
    public static func incorporatePeerPhasesExact(
        local: [Double],
        peer: [Double],
        weight: Double
    ) throws(PhaseMixingError) -> [Double] {
        try incorporate(local: local, peer: peer, weight: weight, exact: true)
    }

    @inline(__always)
    private static func incorporate(
        local: [Double],
        peer: [Double],
        weight: Double,
        exact: Bool
    ) throws(PhaseMixingError) -> [Double] {
        if weight.isNaN { throw .weightIsNaN }
        guard weight >= 0, weight <= 1 else { throw .weightOutOfRange(weight) }
        let n = local.count
        let m = peer.count
        if n == 0 || m == 0 { return local }
        let keep = 1 - weight
        return local.withUnsafeBufferPointer { a in
            peer.withUnsafeBufferPointer { b in
                // Array(unsafeUninitializedCapacity:) would reach the runtime's generic allocation path from here
                // (BENCHMARKS.md, PHASE codec); one zero-filled array costs less.
                var output = [Double](repeating: 0, count: n)
                output.withUnsafeMutableBufferPointer { out in
                    if n == m {
                        for i in 0..<n {
                            out[i] = exact
                                ? mixExact(a[i], b[i], keep: keep, weight: weight)
                                : mix(a[i], b[i], keep: keep, weight: weight)
                        }
                    } else {
                        let step = resampleStep(localCount: n, peerCount: m)
                        for i in 0..<n {
                            let index = resampleIndex(i, localCount: n, peerCount: m, step: step)
                            out[i] = exact
                                ? mixExact(a[i], b[index], keep: keep, weight: weight)
                                : mix(a[i], b[index], keep: keep, weight: weight)
                        }
                    }
                }
                return output
            }
        }
    }

    /// Phases within this bound take the kernels: b − a is then exact or off by at most half an ulp of 16
    /// (1.8e-15), and the kernels' reduction holds (`PhaseKernels.sinCosBound`).
    static let fastPhaseBound = 8.0

    @inline(__always)
    static func mix(_ a: Double, _ b: Double, keep: Double, weight: Double) -> Double {
        // NaN fails both comparisons and takes the recipe, which returns NaN as the reference does.
        guard abs(a) <= fastPhaseBound, abs(b) <= fastPhaseBound else {
            return mixExact(a, b, keep: keep, weight: weight)
        }
        let (sinD, cosD) = PhaseKernels.sinCos(b - a)
        let im = weight * sinD
        let re = keep + weight * cosD
        if im == 0 && re == 0 { return mixExact(a, b, keep: keep, weight: weight) }
        return PhaseArithmetic.floorMod(a + PhaseKernels.atan2(im, re), BloomConstants.twoPi)
    }

    @inline(__always)
    static func mixExact(_ a: Double, _ b: Double, keep: Double, weight: Double) -> Double {
        let reLocal = keep * cos(a)
        let rePeer = weight * cos(b)
        let imLocal = keep * sin(a)
        let imPeer = weight * sin(b)
        let re = reLocal + rePeer
        let im = imLocal + imPeer
        return PhaseArithmetic.floorModOfAngle(atan2(im, re))
    }

    /// `merge_phase_states(states)` (spec §7.6): start from state 0's phases with total weight 1.0 (its own
    /// weight is ignored), then mix in each later non-empty state of weight > 0 with `w / (total + w)`.
    /// - Returns: the merged phases and their order parameter r (§6.3); ([], 0) for no states.
    /// - Throws: `PhaseMixingError` when a weight makes the mixing weight invalid (an infinite weight gives NaN),
    ///   as the reference raises.
    public static func mergePhaseStates(
        _ states: [PhaseState]
    ) throws(PhaseMixingError) -> (phases: [Double], r: Double) {
        guard let first = states.first else { return ([], 0) }
        var merged = first.phases
        var total = 1.0
        for state in states.dropFirst() where !state.phases.isEmpty && state.weight > 0 {
            let mixingWeight = state.weight / (total + state.weight)
            merged = try incorporatePeerPhases(local: merged, peer: state.phases, weight: mixingWeight)
            total += state.weight
        }
        return (merged, OrderParameter.compute(merged).r)
    }
}
