import BloomBus
import Foundation

/// Polls `condition` on the calling thread until it holds, for at most `seconds` of running time (a
/// ``HangDeadline``: time this thread spent descheduled does not count), and looks once more after the limit.
///
/// For synchronous tests that wait on something outside the process (a child's state, a supervisor's answer). The
/// limit only turns a hang into a failure; nothing asserts on speed.
/// - Returns: whether `condition` held.
@discardableResult
public func pollUntil(
    seconds: Double,
    every interval: Double = 0.05,
    _ condition: () throws -> Bool
) rethrows -> Bool {
    var deadline = HangDeadline(budget: .seconds(seconds), maximumCreditPerCheck: .seconds(max(0.25, interval * 2)))
    while true {
        if try condition() { return true }
        if deadline.expired() { return try condition() }
        Thread.sleep(forTimeInterval: interval)
    }
}

/// ``pollUntil(seconds:every:_:)`` for async tests: sleeps instead of blocking between looks.
@discardableResult
public func pollUntil(
    seconds: Double,
    every interval: Double = 0.05,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    var deadline = HangDeadline(budget: .seconds(seconds), maximumCreditPerCheck: .seconds(max(0.25, interval * 2)))
    while true {
        if try await condition() { return true }
        if deadline.expired() { return try await condition() }
        try? await Task.sleep(for: .seconds(interval))
    }
}
