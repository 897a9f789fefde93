import BloomCore

/// A bus without sockets, for testing pure service logic in one process: every ``InMemoryBus`` made from the same
/// hub sees what the others publish, with the same topic matching (exact topic, or prefix), envelopes and
/// per-(sender, topic) sequence numbers as the real bus, but no threads, no drops and no slow joiners.
///
/// Tests that need the real transport (threads, high-water marks, ipc) use ``MockBus`` instead.
public final class InMemoryBusHub: Sendable {
    struct Member {
        weak var bus: InMemoryBus?
    }

    private let members = Locked<[Member]>([])
    private let published = Locked<[BusMessage]>([])

    /// A hub with no connections.
    public init() {}

    /// A connection to this hub publishing as `sender`.
    public func connect(as sender: SenderID) -> InMemoryBus {
        let bus = InMemoryBus(sender: sender, hub: self)
        members.withLock { $0.append(Member(bus: bus)) }
        return bus
    }

    /// Everything published on this hub, in order.
    public var history: [BusMessage] { published.withLock { $0 } }

    func deliver(_ message: BusMessage) {
        published.withLock { $0.append(message) }
        let targets = members.withLock { members -> [InMemoryBus] in
            members.removeAll { $0.bus == nil }
            return members.compactMap(\.bus)
        }
        for bus in targets { bus.receive(message) }
    }
}

/// One connection to an ``InMemoryBusHub``.
public final class InMemoryBus: Bus {
    /// Who this connection publishes as.
    public let sender: SenderID
    /// What this connection's subscriptions matched; one consumer.
    public let messages: BusMessages
    private let continuation: AsyncStream<[BusMessage]>.Continuation
    private let hub: InMemoryBusHub
    private let state = Locked(State())

    struct State {
        var subscriptions: [[UInt8]] = []
        var sequences: [Topic: UInt64] = [:]
        var stopped = false
    }

    init(sender: SenderID, hub: InMemoryBusHub) {
        let (stream, continuation) = AsyncStream.makeStream(of: [BusMessage].self)
        self.sender = sender
        self.hub = hub
        self.continuation = continuation
        self.messages = BusMessages(unboundedStream: stream)
    }

    @discardableResult
    public func publish(
        _ topic: Topic,
        payload: [UInt8],
        kind: Envelope.Kind,
        flags: Envelope.Flags,
        peerID: PeerID?,
        requestID: UInt64
    ) -> Bool {
        let sequence = state.withLock { state -> UInt64? in
            if state.stopped { return nil }
            state.sequences[topic, default: 0] += 1
            return state.sequences[topic]
        }
        guard let sequence else { return false }
        let envelope = Envelope(
            kind: kind,
            flags: flags,
            sender: sender,
            sequence: sequence,
            peerID: peerID,
            requestID: requestID
        )
        hub.deliver(BusMessage(topic: topic, envelope: envelope, payload: payload))
        return true
    }

    /// Receive messages of exactly `topic`.
    public func subscribe(_ topic: Topic) { state.withLock { $0.subscriptions.append(topic.frame) } }
    /// Receive every topic starting with `prefix`.
    public func subscribe(prefix: String) { state.withLock { $0.subscriptions.append(Array(prefix.utf8)) } }
    /// Undo one ``subscribe(_:)``.
    public func unsubscribe(_ topic: Topic) { remove(topic.frame) }
    /// Undo one ``subscribe(prefix:)``.
    public func unsubscribe(prefix: String) { remove(Array(prefix.utf8)) }

    /// Ends ``messages``; later publishes return false.
    public func stop() {
        state.withLock { $0.stopped = true }
        continuation.finish()
    }

    private func remove(_ prefix: [UInt8]) {
        state.withLock { state in
            if let index = state.subscriptions.firstIndex(of: prefix) { state.subscriptions.remove(at: index) }
        }
    }

    func receive(_ message: BusMessage) {
        let wanted = state.withLock { state in
            !state.stopped && state.subscriptions.contains { message.topic.frame.starts(with: $0) }
        }
        if wanted { continuation.yield([message]) }
    }
}
