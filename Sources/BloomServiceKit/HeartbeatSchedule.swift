/// When heartbeats are sent (DESIGN.md, "Heartbeats"): the first at once, then every 250 ms for 2 s, then every
/// second. The quick start lets the supervisor see readiness fast; the slower pace keeps idle traffic low.
public struct HeartbeatSchedule: Equatable, Sendable {
    /// Interval during the start phase, seconds.
    public var fastInterval: Double = 0.25
    /// Length of the start phase, seconds.
    public var fastPhase: Double = 2
    /// Interval after the start phase, seconds.
    public var slowInterval: Double = 1

    /// The default schedule.
    public init() {}

    /// The time of the heartbeat after one sent at `last`, for a process whose heartbeats started at `start`.
    public func next(after last: Double, start: Double) -> Double {
        last - start < fastPhase ? last + fastInterval : last + slowInterval
    }
}
