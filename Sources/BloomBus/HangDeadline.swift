/// A time limit for detecting hangs that counts only the time its waiter was running on schedule.
///
/// A waiter checks its condition in a loop, sleeping a short step between checks, and calls ``expired(now:)`` at
/// each check. A wall-clock deadline would fire when the waiter itself, or whatever it waits for, could not run:
/// on a two-core machine, two CPU-bound tasks hold Swift's whole cooperative pool, and a 10 s wall-clock limit
/// then fails waits that were never given a chance. So each check adds the time since the previous one to the
/// budget spent, but never more than ``maximumCreditPerCheck``: a gap longer than that is the waiter being starved,
/// not the awaited thing being slow, and does not count. A real hang still fails, after `budget` of running time.
///
/// The waiter must look at its condition once more after ``expired(now:)`` says yes and before it gives up, so that
/// a result that arrived during the last gap is not thrown away.
public struct HangDeadline: Sendable {
    /// The running time allowed.
    public let budget: Duration
    /// The most one check may add to ``spent``.
    public let maximumCreditPerCheck: Duration
    /// Running time counted so far.
    public private(set) var spent: Duration = .zero
    private var lastCheck: ContinuousClock.Instant

    /// A limit of `budget` of running time, starting now.
    /// - Parameter maximumCreditPerCheck: the longest gap between two checks that counts in full; keep it a small
    ///   multiple of the waiter's step.
    public init(
        budget: Duration,
        maximumCreditPerCheck: Duration = .milliseconds(250),
        now: ContinuousClock.Instant = .now
    ) {
        self.budget = budget
        self.maximumCreditPerCheck = maximumCreditPerCheck
        lastCheck = now
    }

    /// Counts the time since the last check and says whether the budget is spent.
    public mutating func expired(now: ContinuousClock.Instant = .now) -> Bool {
        let gap = now - lastCheck
        lastCheck = now
        if gap > .zero { spent += min(gap, maximumCreditPerCheck) }
        return spent >= budget
    }
}
