import BloomCore
import CZeroMQ
import Dispatch
import Foundation
import Synchronization

/// One dedicated OS thread that owns a set of ZeroMQ sockets and runs `zmq_poll` over them: the concurrency model
/// of every bus user in the node.
///
/// ZeroMQ sockets are not thread-safe and `zmq_poll` blocks, so neither may live on Swift's cooperative pool (two
/// threads wide on the node's machines; a blocked pool thread stalls every task). Instead:
///
/// - **Receiving.** The loop thread polls its sockets and calls the ``SocketLoopHandler``, which receives a batch of
///   messages and delivers them to async code, usually through an `AsyncStream` (one hop per batch, not per message).
/// - **Sending.** Async code never touches a socket: ``submit(_:)`` appends a command to a lock-protected queue and
///   wakes the thread through a pipe that sits in the same poll set. Only the first submit after the thread drained
///   the queue writes to the pipe, so a burst of sends costs one wake-up. The queue is bounded
///   (``SocketLoopConfiguration/maxQueuedCommands``): past it, ``submit(_:)`` drops the command and counts it,
///   exactly as a PUB socket drops past its high-water mark.
/// - **Stopping.** ``stop()`` sets a flag and wakes the thread; it finishes the handler and closes the sockets on
///   its own thread. Await ``stopped()`` (async) or call ``stopAndWait()`` (sync code, tests, `deinit` paths).
///   Sockets have linger 0, so nothing waits for undelivered messages.
///
/// The loop does not retain itself: dropping the last reference stops it.
public final class SocketLoop<Handler: SocketLoopHandler>: Sendable {
    private let shared: SocketLoopShared<Handler.Command>

    /// Starts the loop thread, which takes ownership of `sockets` and `handler`.
    ///
    /// The caller must not use the sockets or the handler afterwards: they belong to the loop thread (the thread
    /// start is the memory barrier libzmq asks for when a socket changes threads).
    /// - Throws: ``ZMQError`` when the wake pipe cannot be created.
    public init(
        sockets: [ZMQSocket],
        handler: Handler,
        configuration: SocketLoopConfiguration = .init(name: "bloom.socket-loop")
    ) throws(ZMQError) {
        let shared = try SocketLoopShared<Handler.Command>(configuration: configuration)
        self.shared = shared
        let owned = LoopThreadState(sockets: sockets, handler: handler)
        let threadName = configuration.name
        let thread = Thread {
            setCurrentThreadName(threadName)
            owned.run(shared: shared)
        }
        thread.name = configuration.name
        thread.stackSize = configuration.stackSize
        thread.start()
    }

    deinit {
        shared.requestStop()
    }

    /// Queues `command` for the loop thread and wakes it. Never blocks.
    /// - Returns: false when the queue was full (or the loop stopped) and the command was dropped (and counted).
    @discardableResult
    public func submit(_ command: Handler.Command) -> Bool {
        shared.submit(command)
    }

    /// Queues several commands at once (one lock, at most one wake-up).
    /// - Returns: how many were queued; the rest were dropped and counted.
    @discardableResult
    public func submit(contentsOf commands: some Sequence<Handler.Command>) -> Int {
        shared.submit(contentsOf: commands)
    }

    /// Queues an array of commands, taking it over without copying its elements when the queue is empty.
    @discardableResult
    func submit(batch: consuming [Handler.Command]) -> Int {
        shared.submit(batch: batch)
    }

    /// Queues one command that stands for `weight` queued items (a run of messages), whole or not at all.
    /// - Returns: false, without counting a drop, when the queue lacks room for all of it or the loop stopped.
    func submit(_ command: Handler.Command, weight: Int) -> Bool {
        shared.submit(command, weight: weight)
    }

    /// Wakes the loop without a command, so that the handler re-reads its state (e.g. to poll a socket again
    /// after its consumer caught up).
    public func wake() {
        shared.wake()
    }

    /// Commands dropped because the queue was full or the loop had stopped.
    public var droppedCommands: Int { shared.droppedCommands.load(ordering: .relaxed) }

    /// Asks the loop to end; returns at once. Idempotent.
    public func stop() {
        shared.requestStop()
    }

    /// Waits, without blocking a thread, until the loop thread has finished the handler and closed the sockets.
    /// - Returns: the error that ended the loop, or nil for a requested stop.
    @discardableResult
    public func stopped() async -> ZMQError? {
        await shared.stopped()
    }

    /// Stops the loop and blocks the calling thread until it has ended. For synchronous code only (tests,
    /// benchmarks, shutdown paths); async code uses ``stop()`` then ``stopped()``.
    @discardableResult
    public func stopAndWait() -> ZMQError? {
        shared.requestStop()
        return shared.waitUntilStopped()
    }
}

/// Settings of a ``SocketLoop``.
public struct SocketLoopConfiguration: Sendable {
    /// The thread's name (shown by `top -H`, debuggers and crash logs).
    public var name: String
    /// Commands queued and not yet performed before ``SocketLoop/submit(_:)`` drops. Bounds memory when async code
    /// produces faster than the sockets drain.
    public var maxQueuedCommands: Int
    /// Stack size of the loop thread in bytes.
    public var stackSize: Int

    public init(name: String, maxQueuedCommands: Int = 100_000, stackSize: Int = 512 * 1024) {
        self.name = name
        self.maxQueuedCommands = maxQueuedCommands
        self.stackSize = stackSize
    }
}

/// The state shared between async code and the loop thread: the command queue and the stop signal.
final class SocketLoopShared<Command: Sendable>: Sendable {
    struct Queue: ~Copyable {
        var pending: [Command] = []
        /// Batches submitted while `pending` was not empty, in order after it. Kept whole rather than appended to
        /// `pending`, which would copy (retain) every command under the lock. Never non-empty while `pending` is
        /// empty; a single command submitted meanwhile joins the last batch, so that order is kept.
        var later: [[Command]] = []
        /// Commands in `pending` and `later` together (the bound applies to this).
        var count = 0
        /// A byte is in the wake pipe (or about to be): later submitters need not write another.
        var wakePending = false
        var stopRequested = false
    }

    struct Finish {
        var done = false
        var error: ZMQError?
        var waiters: [CheckedContinuation<ZMQError?, Never>] = []
    }

    let queue = Locked(Queue())
    let finish = Locked(Finish())
    let finishedSemaphore = DispatchSemaphore(value: 0)
    let droppedCommands = Atomic<Int>(0)
    let wakePipe: WakePipe
    let maxQueued: Int

    init(configuration: SocketLoopConfiguration) throws(ZMQError) {
        wakePipe = try WakePipe()
        maxQueued = max(1, configuration.maxQueuedCommands)
    }

    func submit(_ command: Command) -> Bool {
        let (accepted, mustWake) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopRequested, queue.count < maxQueued else { return (false, false) }
            if queue.later.isEmpty {
                queue.pending.append(command)
            } else {
                queue.later[queue.later.count - 1].append(command)
            }
            queue.count += 1
            if queue.wakePending { return (true, false) }
            queue.wakePending = true
            return (true, true)
        }
        if mustWake { wakePipe.signal() }
        if !accepted { droppedCommands.add(1, ordering: .relaxed) }
        return accepted
    }

    func submit(_ command: Command, weight: Int) -> Bool {
        let (accepted, mustWake) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopRequested, weight <= maxQueued - queue.count else { return (false, false) }
            if queue.later.isEmpty {
                queue.pending.append(command)
            } else {
                queue.later[queue.later.count - 1].append(command)
            }
            queue.count += weight
            if queue.wakePending { return (true, false) }
            queue.wakePending = true
            return (true, true)
        }
        if mustWake { wakePipe.signal() }
        return accepted
    }

    func submit(contentsOf commands: some Sequence<Command>) -> Int {
        // Evaluated before taking the lock: a lazy sequence runs caller code, which must not run under our lock.
        submit(batch: Array(commands))
    }

    /// Queues a whole array, taken over as it is: no element is copied, so no reference count is touched per
    /// command (with the loop thread releasing the previous batch at the same time, those counts would bounce
    /// between cores). Past the bound, the tail of the batch is dropped.
    func submit(batch: consuming [Command]) -> Int {
        var items = batch
        let total = items.count
        let (accepted, mustWake) = queue.withLock { queue -> (Int, Bool) in
            guard !queue.stopRequested else { return (0, false) }
            let accepted = min(total, max(0, maxQueued - queue.count))
            guard accepted > 0 else { return (0, false) }
            if accepted < total { items.removeLast(total - accepted) }
            if queue.pending.isEmpty {
                // The previous (empty) buffer leaves in `items` and is freed outside the lock.
                swap(&queue.pending, &items)
            } else {
                queue.later.append(items)
            }
            queue.count += accepted
            if queue.wakePending { return (accepted, false) }
            queue.wakePending = true
            return (accepted, true)
        }
        if mustWake { wakePipe.signal() }
        if accepted < total { droppedCommands.add(total - accepted, ordering: .relaxed) }
        return accepted
    }

    func wake() {
        let mustWake = queue.withLock { queue -> Bool in
            if queue.wakePending { return false }
            queue.wakePending = true
            return true
        }
        if mustWake { wakePipe.signal() }
    }

    func requestStop() {
        queue.withLock { $0.stopRequested = true }
        wakePipe.signal()
    }

    /// Loop thread: takes every pending command, `spare` first, then each of `spareLater` in order (swapping
    /// buffers, so the steady state allocates nothing).
    func take(into spare: inout [Command], later spareLater: inout [[Command]]) -> Bool {
        queue.withLock { queue -> Bool in
            swap(&queue.pending, &spare)
            swap(&queue.later, &spareLater)
            queue.count = 0
            queue.wakePending = false
            return queue.stopRequested
        }
    }

    /// Loop thread: records the end and releases every waiter.
    func markFinished(error: ZMQError?) {
        let waiters = finish.withLock { finish -> [CheckedContinuation<ZMQError?, Never>] in
            finish.done = true
            finish.error = error
            defer { finish.waiters = [] }
            return finish.waiters
        }
        for waiter in waiters { waiter.resume(returning: error) }
        finishedSemaphore.signal()
    }

    func stopped() async -> ZMQError? {
        await withCheckedContinuation { (continuation: CheckedContinuation<ZMQError?, Never>) in
            let result = finish.withLock { finish -> ZMQError?? in
                if finish.done { return .some(finish.error) }
                finish.waiters.append(continuation)
                return .none
            }
            if let result { continuation.resume(returning: result) }
        }
    }

    func waitUntilStopped() -> ZMQError? {
        finishedSemaphore.wait()
        // Pass the signal on, for any other waiter.
        finishedSemaphore.signal()
        return finish.withLock { $0.error }
    }
}

/// Everything the loop thread owns. Created by the starting thread and handed over once, at thread start.
private final class LoopThreadState<Handler: SocketLoopHandler>: @unchecked Sendable {
    private var sockets: [ZMQSocket]
    private var handler: Handler?

    init(sockets: [ZMQSocket], handler: Handler) {
        self.sockets = sockets
        self.handler = handler
    }

    func run(shared: SocketLoopShared<Handler.Command>) {
        var failure: ZMQError?
        if let handler {
            failure = Self.loop(handler: handler, sockets: sockets, shared: shared)
            handler.loopFinished(error: failure)
        }
        // Close the sockets here, on their owning thread, before anyone is told the loop has ended.
        handler = nil
        sockets = []
        shared.markFinished(error: failure)
    }

    /// Polls until a stop is requested or the context ends; returns the error that ended it, if any.
    private static func loop(
        handler: Handler,
        sockets: [ZMQSocket],
        shared: SocketLoopShared<Handler.Command>
    ) -> ZMQError? {
        let pollSet = ZMQPollSet()
        for socket in sockets { pollSet.add(socket) }
        let wakeIndex = pollSet.add(fileDescriptor: shared.wakePipe.readEnd)
        var commands: [Handler.Command] = []
        var later: [[Handler.Command]] = []
        while true {
            for index in sockets.indices {
                pollSet.setEvents(handler.pollEvents(forSocket: index), at: index)
            }
            do {
                try pollSet.poll(timeoutMilliseconds: -1)
            } catch {
                // ETERM: the context was shut down under us, a normal end; anything else cannot be retried.
                return error.code == .terminated ? nil : error
            }
            if pollSet.returnedEvents(at: wakeIndex).contains(.readable) {
                shared.wakePipe.drain()
                if shared.take(into: &commands, later: &later) { return nil }
                handler.woke()
                perform(commands, handler: handler, sockets: sockets)
                for batch in later { perform(batch, handler: handler, sockets: sockets) }
                commands.removeAll(keepingCapacity: true)
                later.removeAll(keepingCapacity: true)
            }
            for index in sockets.indices {
                let events = pollSet.returnedEvents(at: index)
                if !events.isEmpty { handler.socketReady(index, events: events, socket: sockets[index]) }
            }
        }
    }
}

/// Performs `commands` in order, borrowed in place: iterating the array would copy (retain) every command once more.
private func perform<Handler: SocketLoopHandler>(
    _ commands: [Handler.Command],
    handler: Handler,
    sockets: [ZMQSocket]
) {
    commands.withUnsafeBufferPointer { pending in
        for index in pending.indices { handler.perform(pending[index], sockets: sockets) }
    }
}

/// Names the calling thread for `top -H`, `perf` and debuggers (Linux keeps the first 15 bytes).
private func setCurrentThreadName(_ name: String) {
    var bytes = Array(name.utf8.prefix(15))
    bytes.append(0)
    bytes.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { chars in
            guard let base = chars.baseAddress else { return }
            _ = bloom_set_current_thread_name(base)
        }
    }
}
