import Foundation
import Logging
import Synchronization

/// Answers one query; runs as a task, so it may await the service's actors.
public typealias QueryHandler = @Sendable (ServiceQuery) async -> Result<JSONValue, QueryFailure>

/// Why a query could not be answered; sent back as the reply's `error`.
public struct QueryFailure: Error, Equatable, Sendable {
    /// A plain sentence for the operator.
    public var message: String

    /// Creates a failure.
    public init(_ message: String) { self.message = message }
}

/// A service's own connection to the supervisor over the bus: it publishes heartbeats on schedule and answers
/// `svc.query.<service>` on `svc.reply`. Runs on a dedicated thread that owns both sockets.
public final class ServiceBusLink: Sendable {
    private struct Shared {
        var state: String
        var tip: Heartbeat.Tip?
        var outbox: [ServiceReply] = []
        var stopping = false
        var handler: QueryHandler?
        var inFlight = 0
    }

    private let shared: Mutex<Shared>
    private let finished = DispatchSemaphore(value: 0)
    private let identity: (name: String, replica: Int, bootID: UInt32)

    /// The boot id in this process's heartbeats.
    public var bootID: UInt32 { identity.bootID }

    /// Connects to the bus and starts heartbeats at once, in `initialState` (the supervisor counts a heartbeat
    /// in any other state as readiness).
    /// - Throws: `LinkError` when an endpoint is malformed.
    public init(
        service: String,
        replica: Int,
        configuration: NodeConfiguration,
        schedule: HeartbeatSchedule = HeartbeatSchedule(),
        initialState: String = "starting",
        logger: Logger
    ) throws(LinkError) {
        shared = Mutex(Shared(state: initialState))
        identity = (service, replica, UInt32.random(in: 1...UInt32.max))
        let publisher = try LinkSocket.make(.pub)
        let subscriber = try LinkSocket.make(.sub)
        try publisher.connect(configuration.busPub)
        try subscriber.connect(configuration.busSub)
        try subscriber.subscribe(ServiceTopics.frame(ServiceTopics.query(service)))
        let thread = Thread { [self] in
            self.run(publisher: publisher, subscriber: subscriber, schedule: schedule, logger: logger)
            self.finished.signal()
        }
        thread.name = "bloom-service-link"
        thread.start()
    }

    /// Sets the state word of later heartbeats.
    public func setState(_ state: String) {
        shared.withLock { $0.state = state }
    }

    /// Sets the tip carried by later heartbeats (bloom-sync).
    public func setTip(_ tip: Heartbeat.Tip?) {
        shared.withLock { $0.tip = tip }
    }

    /// Installs the query handler; without one, queries are answered "not supported by this service".
    public func onQuery(_ handler: @escaping QueryHandler) {
        shared.withLock { $0.handler = handler }
    }

    /// Stops heartbeats and query answering; returns when the thread has closed its sockets.
    public func stop() {
        let already = shared.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        if !already { finished.wait() }
    }

    private func run(publisher: LinkSocket, subscriber: LinkSocket, schedule: HeartbeatSchedule, logger: Logger) {
        let start = MonotonicClock.now()
        var nextBeat = start
        let pid = getpid()
        while true {
            let (stopping, outbox, state, tip, busy) = shared.withLock { value in
                defer { value.outbox = [] }
                return (value.stopping, value.outbox, value.state, value.tip, value.inFlight > 0)
            }
            if stopping { return }
            for reply in outbox {
                try? publisher.send([ServiceTopics.frame(ServiceTopics.reply), reply.jsonBytes()], dontWait: true)
            }
            let now = MonotonicClock.now()
            if now >= nextBeat {
                let beat = Heartbeat(name: identity.name, replica: identity.replica, pid: pid, bootID: identity.bootID, state: state, tip: tip)
                try? publisher.send([ServiceTopics.frame(ServiceTopics.heartbeat), beat.jsonBytes()], dontWait: true)
                nextBeat = schedule.next(after: nextBeat, start: start)
                if nextBeat < now { nextBeat = now + schedule.slowInterval }
            }
            // Wake often while an answer is being computed, so it is sent soon after it is ready, and at least
            // every 100 ms so that `stop()` is prompt.
            let untilBeat = Int(max(0, (nextBeat - MonotonicClock.now()) * 1000))
            let timeout = min(untilBeat, busy ? 5 : 100)
            guard (try? LinkPoll.wait([.socket(subscriber)], timeoutMs: timeout))?.first == true else { continue }
            while let frames = try? subscriber.receive() {
                guard frames.count == 2, let query = ServiceQuery.fromJSON(frames[1]) else {
                    logger.debug("undecodable query dropped")
                    continue
                }
                dispatch(query)
            }
        }
    }

    private func dispatch(_ query: ServiceQuery) {
        let handler = shared.withLock { value -> QueryHandler? in
            if value.handler != nil { value.inFlight += 1 }
            return value.handler
        }
        let identity = self.identity
        guard let handler else {
            let reply = ServiceReply(id: query.id, name: identity.name, replica: identity.replica, ok: false, result: nil, error: "\(identity.name) does not answer '\(query.cmd)' yet")
            shared.withLock { $0.outbox.append(reply) }
            return
        }
        Task { [self] in
            let result = await handler(query)
            let reply: ServiceReply
            switch result {
            case .success(let value): reply = ServiceReply(id: query.id, name: identity.name, replica: identity.replica, ok: true, result: value, error: nil)
            case .failure(let failure): reply = ServiceReply(id: query.id, name: identity.name, replica: identity.replica, ok: false, result: nil, error: failure.message)
            }
            self.shared.withLock {
                $0.outbox.append(reply)
                $0.inFlight -= 1
            }
        }
    }
}

/// Monotonic seconds, for schedules and timeouts.
public enum MonotonicClock {
    /// Seconds since an arbitrary start, never going back.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
