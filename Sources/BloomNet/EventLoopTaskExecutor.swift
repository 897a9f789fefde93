import NIOCore

/// Runs Swift tasks on a NIO event loop thread, so bloom-net's bus consumer never waits for the cooperative pool
/// (two threads on this machine, shared with everything else: DESIGN.md "Engineering notes"). Used as a task
/// executor preference: nonisolated async code of that task, the bus stream's `next()` included, runs here.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let loop: EventLoop

    /// An executor running jobs on `loop`.
    public init(loop: EventLoop) { self.loop = loop }

    /// Schedules `job` on the loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        loop.execute {
            unowned.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
