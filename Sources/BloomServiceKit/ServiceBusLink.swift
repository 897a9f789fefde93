import BloomCore
import BloomBus
import Foundation
import Logging

/// Answers one query; runs as a task, so it may await the service's actors.
public typealias QueryHandler = @Sendable (QueryMessage) async -> Result<JSONValue, QueryFailure>

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
        var state: ServiceState
        var tip: ChainTip?
        var outbox: [ReplyMessage] = []
        var stopping = false
        var handler: QueryHandler?
        var beatNow = false
        var redialHandlers: [@Sendable () -> Void] = []
    }

    private let shared: Locked<Shared>
    private let finished = DispatchSemaphore(value: 0)
    private let identity: (name: String, sender: SenderID)
    /// A pipe that wakes the link's thread from its poll: a state change is announced at once (readiness is
    /// what the supervisor waits for after a restart), a computed answer is sent at once.
    private let wake: (read: Int32, write: Int32)

    /// The boot id in this process's heartbeats.
    public var bootID: UInt32 { identity.sender.bootID }

    /// Connects to the bus and starts heartbeats at once, in `initialState` (the supervisor counts a heartbeat
    /// in any other state as readiness).
    /// - Throws: `ZMQError` when an endpoint is malformed.
    public init(
        service: String,
        replica: Int,
        configuration: NodeConfiguration,
        schedule: HeartbeatSchedule = HeartbeatSchedule(),
        initialState: ServiceState = .starting,
        supervisorWatch: SupervisorWatch? = nil,
        onSupervisorLost: @escaping @Sendable () -> Void = {},
        security: BusClientSecurity = .none,
        metrics: NodeMetrics? = nil,
        logger: Logger
    ) throws(ZMQError) {
        shared = Locked(Shared(state: initialState))
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ZMQError(code: .init(rawValue: errno), operation: "pipe") }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        wake = (fds[0], fds[1])
        identity = (
            service, SenderID.newBoot(service: ServiceWire.kind(of: service), replica: UInt8(clamping: replica))
        )
        let publisher = try NodeBus.socket(.pub)
        let subscriber = try NodeBus.socket(.sub)
        try publisher.secure(security)
        try subscriber.secure(security)
        if configuration.busPub.hasPrefix("tcp://") { try publisher.keepTCPLinkAlive() }
        if configuration.busSub.hasPrefix("tcp://") { try subscriber.keepTCPLinkAlive() }
        try publisher.connect(configuration.busPub)
        try subscriber.connect(configuration.busSub)
        guard let topic = Topic(validating: "svc.query." + service) else {
            throw ZMQError(code: .invalid, operation: "subscribe svc.query.\(service)")
        }
        try subscriber.subscribe(topic.frame)
        if supervisorWatch != nil { try subscriber.subscribe(Topic.serviceHeartbeat.frame) }
        let thread = Thread { [self] in
            self.run(
                publisher: publisher,
                subscriber: subscriber,
                endpoints: (configuration.busPub, configuration.busSub),
                schedule: schedule,
                watch: supervisorWatch,
                onSupervisorLost: onSupervisorLost,
                metrics: metrics,
                logger: logger
            )
            self.finished.signal()
        }
        thread.name = "bloom-service-link"
        thread.start()
    }

    /// Seconds between two `svc.metrics` snapshots.
    public static let metricsInterval = 1.0

    /// Sets the state word of later heartbeats.
    public func setState(_ state: ServiceState) {
        shared.withLock {
            $0.beatNow = $0.beatNow || $0.state != state
            $0.state = state
        }
        poke()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    /// Sets the tip carried by later heartbeats (bloom-sync).
    public func setTip(_ tip: ChainTip?) {
        shared.withLock { $0.tip = tip }
    }

    /// Installs the query handler; without one, queries are answered "not supported by this service".
    public func onQuery(_ handler: @escaping QueryHandler) {
        shared.withLock { $0.handler = handler }
    }

    /// Registers what to do when the link dials a silent tcp bus again (a service's own `BusClient.redial()`).
    public func onRedial(_ handler: @escaping @Sendable () -> Void) {
        shared.withLock { $0.redialHandlers.append(handler) }
    }

    /// Stops heartbeats and query answering; returns when the thread has closed its sockets.
    public func stop() {
        let already = shared.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        if !already {
            poke()
            finished.wait()
            close(wake.read)
            close(wake.write)
        }
    }

    private func run(
        publisher: ZMQSocket,
        subscriber: ZMQSocket,
        endpoints: (publish: String, subscribe: String),
        schedule: HeartbeatSchedule,
        watch: SupervisorWatch?,
        onSupervisorLost: @Sendable () -> Void,
        metrics: NodeMetrics?,
        logger: Logger
    ) {
        let start = MonotonicClock.now()
        var nextBeat = start
        let pid = getpid()
        var watch = watch
        watch?.arm(now: start)
        // A new publisher's first messages are dropped until the forwarder's subscriptions reach it (a round
        // trip after connecting), so a state change is announced at once and repeated shortly after.
        var echoes: [Double] = []
        // Sequence numbers count per topic (BloomBus's envelope): receivers detect drops from their gaps.
        var beatSequence: UInt64 = 0
        var replySequence: UInt64 = 0
        // Over tcp (another host's bus), a bus silent for a while is dialed again: see BusClient.redial().
        let redials = endpoints.publish.hasPrefix("tcp://") || endpoints.subscribe.hasPrefix("tcp://")
        var lastDelivered = start
        var lastRedial = start
        var metricsSequence: UInt64 = 0
        // The first snapshot after the fast heartbeat phase: the supervisor has no use for one before readiness.
        var nextMetrics = metrics == nil ? Double.infinity : start + 1
        while true {
            let (stopping, outbox, state, tip, beatNow) = shared.withLock { value in
                defer {
                    value.outbox = []
                    value.beatNow = false
                }
                return (value.stopping, value.outbox, value.state, value.tip, value.beatNow)
            }
            if stopping { return }
            for reply in outbox {
                replySequence += 1
                _ = try? publisher.send(
                    ServiceWire.frames(reply, sender: identity.sender, sequence: replySequence),
                    nonBlocking: true
                )
            }
            let now = MonotonicClock.now()
            if beatNow { echoes = [0.01, 0.03, 0.06, 0.1].map { now + $0 } }
            let echoDue = echoes.first.map { now >= $0 } ?? false
            if echoDue { echoes.removeFirst() }
            if now >= nextBeat || beatNow || echoDue {
                let beat = Heartbeat(
                    service: identity.name,
                    replica: identity.sender.replica,
                    pid: UInt32(pid),
                    bootID: identity.sender.bootID,
                    state: state,
                    tip: tip
                )
                beatSequence += 1
                _ = try? publisher.send(
                    ServiceWire.frames(beat, sender: identity.sender, sequence: beatSequence),
                    nonBlocking: true
                )
                if now >= nextBeat { nextBeat = schedule.next(after: nextBeat, start: start) }
                if nextBeat < now { nextBeat = now + schedule.slowInterval }
            }
            if redials && watch != nil && now - max(lastDelivered, lastRedial) > BusLinkTimeouts.redialAfterSilence {
                lastRedial = now
                logger.notice(
                    "bus silent: dialing it again",
                    metadata: ["bloom.silent_s": "\(Int(now - lastDelivered))", "bloom.bus": "\(endpoints.publish)"]
                )
                for (socket, endpoint) in [(publisher, endpoints.publish), (subscriber, endpoints.subscribe)] {
                    try? socket.disconnect(endpoint)
                    try? socket.connect(endpoint)
                }
                for handler in shared.withLock({ $0.redialHandlers }) { handler() }
            }
            if let metrics, now >= nextMetrics {
                nextMetrics = max(nextMetrics + Self.metricsInterval, now + Self.metricsInterval / 2)
                metricsSequence += 1
                let message = BusMessage(
                    topic: .serviceMetrics,
                    envelope: Envelope(kind: .event, sender: identity.sender, sequence: metricsSequence),
                    payload: ServiceMetrics(text: metrics.snapshot()).encoded()
                )
                _ = try? publisher.send(message.frames(), nonBlocking: true)
            }
            if watch?.supervisorLost(now: now) == true {
                logger.critical(
                    "supervisor silent: stopping",
                    metadata: [BloomLogKeys.pid: "\(watch?.supervisorPID ?? 0)"]
                )
                onSupervisorLost()
            }
            // With a watch, wake at least every second to check the supervisor's silence.
            let wakeAt = min(nextBeat, echoes.first ?? nextBeat, watch == nil ? nextBeat : now + 1, nextMetrics)
            let timeout = Int(max(0, (wakeAt - MonotonicClock.now()) * 1000).rounded(.up))
            guard let ready = try? NodeBus.wait([.socket(subscriber), .fd(wake.read)], timeoutMs: timeout) else {
                continue
            }
            if ready[1] {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wake.read, &drain, drain.count) > 0 {}
            }
            guard ready[0] else { continue }
            while let frames = try? subscriber.receive(nonBlocking: true) {
                switch ServiceWire.decode(frames) {
                case .query(let query): dispatch(query)
                case .heartbeat(let beat):
                    lastDelivered = MonotonicClock.now()
                    watch?.heard(beat, now: lastDelivered)
                case .reply, nil: logger.debug("undecodable query dropped")
                }
            }
        }
    }

    private func dispatch(_ query: QueryMessage) {
        let handler = shared.withLock { $0.handler }
        let identity = self.identity
        guard let handler else {
            let reply = ReplyMessage(
                id: query.id,
                replica: Int(identity.sender.replica),
                ok: false,
                result: nil,
                error: "\(identity.name) does not answer '\(query.cmd)' yet"
            )
            shared.withLock { $0.outbox.append(reply) }
            return
        }
        Task { [self] in
            let result = await handler(query)
            let reply: ReplyMessage
            switch result {
            case .success(let value):
                reply = ReplyMessage(
                    id: query.id,
                    replica: Int(identity.sender.replica),
                    ok: true,
                    result: value,
                    error: nil
                )
            case .failure(let failure):
                reply = ReplyMessage(
                    id: query.id,
                    replica: Int(identity.sender.replica),
                    ok: false,
                    result: nil,
                    error: failure.message
                )
            }
            self.shared.withLock { $0.outbox.append(reply) }
            self.poke()
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
