import BloomCore
import BloomBus

/// Runs `body` and throws ``TimedOut`` if it has not finished after `seconds` of running time.
///
/// Only detects hangs: the limit is generous and nothing asserts on speed. The limit is a ``HangDeadline``, so time
/// this test spent waiting for a thread does not count. When the limit passes, the guard returns at once: it does
/// not wait for a body that ignores cancellation (a continuation never resumed, a thread that never ends), which is
/// what a real hang looks like. The abandoned body is cancelled and left to finish or not.
public func withHangGuard<T: Sendable>(
    seconds: Double = 30,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = HangRace<T>()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        race.install(continuation)
        let work = Task {
            do {
                race.finish(.success(try await body()))
            } catch {
                race.finish(.failure(error))
            }
        }
        Task {
            var deadline = HangDeadline(budget: .seconds(seconds))
            while !race.isFinished {
                try? await Task.sleep(for: .milliseconds(50))
                if deadline.expired(), race.finish(.failure(TimedOut(seconds: seconds))) {
                    work.cancel()
                    return
                }
            }
        }
    }
}

/// The body's result or the guard's time-out, whichever comes first; the other is ignored.
private final class HangRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
    }

    private let state = Locked(State())

    var isFinished: Bool { state.withLock { $0.finished } }

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Resumes the waiter with `result` unless it was resumed already; says whether this call did.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.finished else { return nil }
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

/// The hang guard's failure.
public struct TimedOut: Error, CustomStringConvertible {
    /// The running time allowed.
    public var seconds: Double
    public var description: String { "did not finish within \(seconds) s of running time (hang)" }
}
