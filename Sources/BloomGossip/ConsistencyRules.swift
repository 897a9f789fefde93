import BloomCore

/// The checks that turn a peer's reports into `ConsistencyEvidence`.
public struct ConsistencyRules: Equatable, Sendable {
    /// |claimed r − r of the carried phases| allowed for a full phase vector: the f32 rounding of r and of the
    /// phases moves r by ~1e-7, so 0.01 (the certificate's own tolerance, spec §4.6) only flags real lies.
    public var rTolerance: Double
    /// The same for a vector that may be a §7.1 downsample (64…80 phases kept from more than 256): r of a
    /// sample of ≥ 64 phases can differ from the ensemble's by a few hundredths, so only gross lies count.
    public var sampledRTolerance: Double
    /// Fastest rise of r, per second between two reports, that is not evidence. An honest node reports at most
    /// once per 618 ms (the reference) or per second (this node), and r ∈ [0, 1], so any rise ≤ 1 over an honest
    /// interval stays under 1/0.618 ≈ 1.62 per second; only reports crowded closer than that with big rises count.
    public var maxRisePerSecond: Double
    /// Rises below this are never evidence (noise between a COHERENCE and the next PHASE).
    public var minJump: Double
    /// A BLOOM contradicts the peer's reports if its latest report, at most this many seconds old, …
    public var contradictionWindow: Double
    /// … put its r more than this below Z_C.
    public var contradictionMargin: Double

    /// The node's defaults.
    public init(
        rTolerance: Double = 0.01,
        sampledRTolerance: Double = 0.25,
        maxRisePerSecond: Double = 1.7,
        minJump: Double = 0.1,
        contradictionWindow: Double = 2,
        contradictionMargin: Double = 0.3
    ) {
        self.rTolerance = rTolerance
        self.sampledRTolerance = sampledRTolerance
        self.maxRisePerSecond = maxRisePerSecond
        self.minJump = minJump
        self.contradictionWindow = contradictionWindow
        self.contradictionMargin = contradictionMargin
    }

    /// Phase counts a §7.1 downsample can produce: ceil(count / step) with step = count / 64 ≥ 4, i.e. 64…80.
    public static let possibleSampleCounts = 64...80

    /// Whether the claimed r agrees with the r of the phases (§6.3 on the f32 phases widened to f64).
    /// - Returns: the recomputed r and the verdict.
    public func checkClaimedR(_ claimed: Double, phases: [Double]) -> (recomputed: Double, consistent: Bool) {
        let recomputed = OrderParameter.compute(phases).r
        let tolerance = Self.possibleSampleCounts.contains(phases.count) ? sampledRTolerance : rTolerance
        return (recomputed, abs(recomputed - claimed) <= tolerance)
    }

    /// Whether going from `previous` (at `previousTime`) to `r` (at `now`) is a rise the dynamics cannot make.
    public func isImpossibleJump(from previous: Double, at previousTime: Double, to r: Double, now: Double) -> Bool {
        let rise = r - previous
        guard rise > minJump else { return false }
        let elapsed = max(0, now - previousTime)
        return rise > maxRisePerSecond * elapsed
    }

    /// Whether a valid BLOOM contradicts a peer whose latest report was r at `reportTime`.
    public func bloomContradicts(latestR: Double, reportTime: Double, now: Double) -> Bool {
        now - reportTime <= contradictionWindow && latestR < BloomConstants.zC - contradictionMargin
    }
}
