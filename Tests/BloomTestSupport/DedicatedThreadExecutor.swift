import Foundation

/// A task executor with one thread of its own, for test code that blocks (process waits, NIO's `wait()`, blocking
/// socket polls) or computes for seconds.
///
/// Swift's cooperative pool is as wide as the machine has cores: two here. A test that blocks a pool thread for
/// ten seconds halves every other test's share of it, and two such tests stop all async tests, whose hang
/// detectors then fire although nothing hung. Code running with this executor preferred (see
/// ``DedicatedThreadTrait``) runs on its own thread instead and leaves the pool to the async tests.
///
/// ``finish()`` lets the thread run what it has queued, then exit. Jobs enqueued after that (a task the test left
/// behind, which inherited the preference) go to the global concurrent executor, so nothing is stranded.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs`, `finishing` and `exited` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finishing = false
    private var exited = false

    /// Starts the thread.
    init(name: String) {
        let thread = Thread { [self] in self.run() }
        thread.name = name
        // Debug builds of the chain and vector code recurse deeper than a secondary thread's default 512 KiB.
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        condition.lock()
        if exited {
            condition.unlock()
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(UnownedJob(job))
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread exit once its queue is empty.
    func finish() {
        condition.lock()
        finishing = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while let job = nextJob() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private func nextJob() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty {
            if finishing {
                exited = true
                return nil
            }
            condition.wait()
        }
        return jobs.removeFirst()
    }
}
