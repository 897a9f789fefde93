import BloomCore

/// The mock bus's tap on its forwarder: records every message and subscription (on the forwarder's thread) and
/// serves `next` / `waitForSubscription` to async tests.
final class MockRecorder: ForwarderTap {
    typealias MessageWaiter = CheckedContinuation<Result<BusMessage, MockBusError>, Never>
    typealias SubscriptionWaiter = CheckedContinuation<Result<Void, MockBusError>, Never>

    struct State {
        var all: [BusMessage] = []
        var unconsumed: [BusMessage] = []
        var subscriptions: Set<[UInt8]> = []
        var malformed = 0
        var gaps = GapCounter()
        var finished = false
        var nextID = 0
        var messageWaiters: [MessageWaiterEntry] = []
        var subscriptionWaiters: [(id: Int, prefix: [UInt8], continuation: SubscriptionWaiter)] = []
    }

    static let probePrefix = Array("bus.probe.".utf8)
    let state = Locked(State())

    // MARK: Forwarder thread

    func forwarded(_ frames: [[UInt8]]) {
        let message: BusMessage
        do {
            message = try BusMessage(frames: frames)
        } catch {
            state.withLock { $0.malformed += 1 }
            return
        }
        if message.topic.frame.starts(with: Self.probePrefix) { return }
        let resumed = state.withLock { state -> MessageWaiter? in
            state.all.append(message)
            state.gaps.record(message)
            if let index = state.messageWaiters.firstIndex(where: { $0.accepts(message) }) {
                return state.messageWaiters.remove(at: index).continuation
            }
            state.unconsumed.append(message)
            return nil
        }
        resumed?.resume(returning: .success(message))
    }

    func subscription(_ frame: [UInt8]) {
        guard let kind = frame.first else { return }
        let prefix = Array(frame.dropFirst())
        let resumed = state.withLock { state -> [SubscriptionWaiter] in
            if kind == 1 {
                state.subscriptions.insert(prefix)
            } else if kind == 0 {
                state.subscriptions.remove(prefix)
            }
            var ready: [SubscriptionWaiter] = []
            state.subscriptionWaiters.removeAll { waiter in
                guard Self.covers(state.subscriptions, waiter.prefix) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for waiter in resumed { waiter.resume(returning: .success(())) }
    }

    func forwarderFinished() {
        let (messages, subscriptions) = state.withLock { state in
            state.finished = true
            defer {
                state.messageWaiters = []
                state.subscriptionWaiters = []
            }
            return (state.messageWaiters.map(\.continuation), state.subscriptionWaiters.map(\.continuation))
        }
        for waiter in messages { waiter.resume(returning: .failure(.stopped)) }
        for waiter in subscriptions { waiter.resume(returning: .failure(.stopped)) }
    }

    /// Whether one of `subscriptions` is a prefix of `target` (so a message on `target` would be delivered).
    static func covers(_ subscriptions: Set<[UInt8]>, _ target: [UInt8]) -> Bool {
        subscriptions.contains { target.starts(with: $0) }
    }

    // MARK: Async side

    func next(
        topic: Topic?,
        timeout: Duration,
        where predicate: (@Sendable (BusMessage) -> Bool)?
    ) async throws(MockBusError) -> BusMessage {
        let accepts: @Sendable (BusMessage) -> Bool = { message in
            (topic == nil || message.topic == topic) && (predicate?(message) ?? true)
        }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: MessageWaiter) in
                let immediate = state.withLock { state -> Result<BusMessage, MockBusError>? in
                    if let index = state.unconsumed.firstIndex(where: accepts) {
                        return .success(state.unconsumed.remove(at: index))
                    }
                    if state.finished { return .failure(.stopped) }
                    state.messageWaiters.append(
                        MessageWaiterEntry(id: id, accepts: accepts, continuation: continuation)
                    )
                    return nil
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                    return
                }
                expireAfterRunningTime(timeout, waiting: { $0.messageWaiters.contains { $0.id == id } }) {
                    $0.expireMessageWaiter(id, with: .timedOut(topic: topic?.name, waited: timeout))
                }
            }
        } onCancel: {
            expireMessageWaiter(id, with: .cancelled)
        }
        return try result.get()
    }

    /// Expires a wait once it has lasted `timeout` of running time (a ``HangDeadline``): a test starved of
    /// threads by other tests, or whose service was, is not failed for it. The wait ends by itself when its message
    /// or subscription arrives (the forwarder thread resumes it), and then this watcher stops at its next check.
    private func expireAfterRunningTime(
        _ timeout: Duration,
        waiting: @escaping @Sendable (State) -> Bool,
        expire: @escaping @Sendable (MockRecorder) -> Void
    ) {
        Task { [weak self] in
            var deadline = HangDeadline(budget: timeout)
            while true {
                try? await Task.sleep(for: min(timeout, Self.expiryCheckStep))
                guard let self, self.state.withLock({ waiting($0) }) else { return }
                if deadline.expired() {
                    expire(self)
                    return
                }
            }
        }
    }

    /// How often a pending wait checks its deadline.
    static let expiryCheckStep: Duration = .milliseconds(50)

    private func expireMessageWaiter(_ id: Int, with error: MockBusError) {
        let waiter = state.withLock { state -> MessageWaiter? in
            guard let index = state.messageWaiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.messageWaiters.remove(at: index).continuation
        }
        waiter?.resume(returning: .failure(error))
    }

    func waitForSubscription(covering target: [UInt8], name: String, timeout: Duration) async throws(MockBusError) {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: SubscriptionWaiter) in
                let immediate = state.withLock { state -> Result<Void, MockBusError>? in
                    if Self.covers(state.subscriptions, target) { return .success(()) }
                    if state.finished { return .failure(.stopped) }
                    state.subscriptionWaiters.append((id, target, continuation))
                    return nil
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                    return
                }
                expireAfterRunningTime(timeout, waiting: { $0.subscriptionWaiters.contains { $0.id == id } }) {
                    $0.expireSubscriptionWaiter(id, with: .timedOut(topic: name, waited: timeout))
                }
            }
        } onCancel: {
            expireSubscriptionWaiter(id, with: .cancelled)
        }
        try result.get()
    }

    private func expireSubscriptionWaiter(_ id: Int, with error: MockBusError) {
        let waiter = state.withLock { state -> SubscriptionWaiter? in
            guard let index = state.subscriptionWaiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.subscriptionWaiters.remove(at: index).continuation
        }
        waiter?.resume(returning: .failure(error))
    }
}

/// A pending `next`: which messages it takes and whom to resume.
struct MessageWaiterEntry {
    var id: Int
    var accepts: @Sendable (BusMessage) -> Bool
    var continuation: MockRecorder.MessageWaiter
}
