import BloomCore
import Foundation
import Testing

/// Runs each test of a suite on a thread of its own instead of Swift's cooperative pool.
///
/// Put it on every suite whose tests block a thread (sleeps, `Process.waitUntilExit`, NIO's `wait()`, blocking
/// polls) or compute for long (vector replays, Kuramoto runs, property tests over many inputs). Without it such a
/// test holds one of the pool's two threads here; two of them hold both, and every async test (the mock-bus
/// tests, the services under test) stops until they end. With it, at most ``DedicatedThreadTrait/width`` of these
/// tests run at once, each on its own thread, so they take the machine's cores as before but never the pool.
///
/// A test under this trait must not block its thread waiting for a task it started itself: unstructured tasks
/// inherit the executor preference and would queue behind the blocked thread. Await them, or start them detached.
public struct DedicatedThreadTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// How many tests under this trait run at once: the number of cores, or `BLOOM_TEST_THREADS`.
    public static let width: Int = {
        if let text = ProcessInfo.processInfo.environment["BLOOM_TEST_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    static let gate = AsyncGate(width: width)

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        // The suite's own scope: its tests get theirs one by one.
        guard testCase != nil else { return try await function() }
        await Self.gate.acquire()
        defer { Self.gate.release() }
        let executor = DedicatedThreadExecutor(name: "test: " + test.name)
        defer { executor.finish() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == DedicatedThreadTrait {
    /// Each test on a thread of its own, off the cooperative pool (see ``DedicatedThreadTrait``).
    public static var dedicatedThread: Self { DedicatedThreadTrait() }
}

/// A counting semaphore that suspends instead of blocking: waiting for a turn costs no thread.
final class AsyncGate: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Locked<State>

    init(width: Int) { state = Locked(State(available: width)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                guard state.available > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    /// Hands the turn to the longest waiter, first come first served.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
