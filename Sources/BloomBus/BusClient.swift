import Logging
import Synchronization

/// A service's connection to the bus: one PUB socket connected to `bus.pub` and one SUB socket connected to
/// `bus.sub`, owned by a dedicated ``SocketLoop`` thread.
///
/// - ``publish(_:payload:kind:flags:peerID:requestID:)`` queues a message and returns at once; the loop thread
///   numbers it (per topic, see ``Envelope``), writes the envelope and sends `[topic][envelope ‖ payload]`.
/// - ``subscribe(_:)`` subscribes to one exact topic (terminator included), ``subscribe(prefix:)`` to a family.
/// - ``messages`` delivers what arrives, decoded, in batches from the loop thread. A slow consumer is not buffered
///   without bound: past ``BusClientConfiguration/receiveBufferLimit`` undelivered messages the loop stops reading,
///   messages queue in libzmq up to the high-water mark and are dropped beyond it, and the drops are counted from
///   the sequence numbers (``BusStatistics/dropped``).
/// - ``joined(timeout:)`` waits until the bus delivers this client's own probe, which proves the forwarder is up
///   and this client's subscriptions have reached it (the ZeroMQ "slow joiner").
///
/// Messages published by this client on a topic it subscribed to come back to it, as on any PUB/SUB bus.
/// A process makes one client per ``SenderID``: two clients numbering the same sender's messages would look like
/// restarts and drops to every receiver.
public final class BusClient: Sendable {
    /// Who this client publishes as.
    public let sender: SenderID
    /// The endpoints it connected to.
    public let endpoints: BusEndpoints
    /// Received messages. One consumer: iterate it from a single task.
    public let messages: BusMessages
    private let loop: SocketLoop<BusClientHandler>
    private let shared: BusClientShared

    /// Connects to the bus. Returns at once: connecting succeeds before the forwarder exists (libzmq retries), so
    /// call ``joined(timeout:)`` before relying on delivery.
    /// - Parameters:
    ///   - context: the process's ZeroMQ context (the client keeps it alive through its sockets).
    /// - Throws: ``ZMQError`` for a malformed endpoint or when sockets cannot be created.
    public init(
        endpoints: BusEndpoints,
        sender: SenderID,
        context: ZMQContext,
        configuration: BusClientConfiguration = .init(),
        logger: Logger = Logger(label: "bloom.bus")
    ) throws(ZMQError) {
        let pub = try context.makeSocket(.pub)
        let sub = try context.makeSocket(.sub)
        try pub.setOption(.sendHighWaterMark, configuration.highWaterMark)
        try sub.setOption(.receiveHighWaterMark, configuration.highWaterMark)
        try sub.setOption(.maxMessageSize, configuration.maxMessageBytes)
        if endpoints.publish.hasPrefix("tcp://") { try pub.keepTCPLinkAlive() }
        if endpoints.subscribe.hasPrefix("tcp://") { try sub.keepTCPLinkAlive() }
        try pub.secure(configuration.security)
        try sub.secure(configuration.security)
        try pub.connect(endpoints.publish)
        try sub.connect(endpoints.subscribe)

        let (stream, continuation) = AsyncStream.makeStream(of: [BusMessage].self)
        let shared = BusClientShared(receiveBufferLimit: configuration.receiveBufferLimit)
        let handler = BusClientHandler(
            pub: pub,
            sub: sub,
            sender: sender,
            shared: shared,
            continuation: continuation,
            logger: logger
        )
        let loop = try SocketLoop(
            sockets: [pub, sub],
            handler: handler,
            configuration: .init(
                name: "bus.\(sender.service.name)",
                maxQueuedCommands: configuration.maxQueuedPublishes
            )
        )
        shared.setWaker { [weak loop] in loop?.wake() }
        self.sender = sender
        self.endpoints = endpoints
        self.loop = loop
        self.shared = shared
        self.messages = BusMessages(stream: stream, shared: shared)
    }

    /// Drops the connections to the forwarder and makes them again. libzmq (4.3) gives up on a connection that the
    /// forwarder's CURVE handler refused, so a client whose key was authorized after it first knocked stays out
    /// until it dials again; the service kit calls this when the bus has been silent for a while
    /// (``BusLinkTimeouts/redialAfterSilence``).
    public func redial() {
        _ = loop.submit(.redial(publish: endpoints.publish, subscribe: endpoints.subscribe))
    }

    // MARK: Publishing

    /// Queues a message for publication. Never blocks.
    /// - Returns: false when the publish queue was full and the message was dropped (counted in
    ///   ``BusStatistics/droppedPublishes``).
    @discardableResult
    public func publish(
        _ topic: Topic,
        payload: [UInt8],
        kind: Envelope.Kind = .event,
        flags: Envelope.Flags = [],
        peerID: PeerID? = nil,
        requestID: UInt64 = 0
    ) -> Bool {
        loop.submit(
            .publish(
                OutgoingBusMessage(
                    topic: topic,
                    kind: kind,
                    flags: flags,
                    peerID: peerID,
                    requestID: requestID,
                    payload: payload
                )
            )
        )
    }

    /// Queues several messages with one lock and at most one wake-up of the loop thread.
    /// - Returns: how many were queued.
    @discardableResult
    public func publish(contentsOf messages: some Sequence<OutgoingBusMessage>) -> Int {
        // Called from other modules, this generic body runs unspecialised: hand contiguous storage (arrays, slices)
        // to concrete code at once instead of walking the sequence through witness tables.
        if let queued = messages.withContiguousStorageIfAvailable({ publish(contiguous: $0) }) { return queued }
        return Array(messages).withUnsafeBufferPointer { publish(contiguous: $0) }
    }

    /// Queues an array's messages as one run: the loop thread reads them from the array's own storage.
    /// - Returns: how many were queued.
    @discardableResult
    public func publish(contentsOf messages: [OutgoingBusMessage]) -> Int {
        publish(contentsOf: messages[...])
    }

    /// Queues a slice's messages as one run, without copying them: the loop thread reads the slice's storage.
    /// - Returns: how many were queued.
    @discardableResult
    public func publish(contentsOf messages: ArraySlice<OutgoingBusMessage>) -> Int {
        if messages.isEmpty { return 0 }
        if loop.submit(.publishRun(messages), weight: messages.count) { return messages.count }
        // Not room for all of them (or stopped): as many as fit, one by one, the rest dropped and counted.
        return messages.withUnsafeBufferPointer { publish(contiguous: $0) }
    }

    private func publish(contiguous messages: UnsafeBufferPointer<OutgoingBusMessage>) -> Int {
        var commands: [BusClientHandler.Command] = []
        commands.reserveCapacity(messages.count)
        for message in messages { commands.append(.publish(message)) }
        return loop.submit(batch: commands)
    }

    // MARK: Subscribing

    /// Receive messages of exactly `topic`.
    public func subscribe(_ topic: Topic) {
        loop.submit(.subscribe(topic.frame, known: topic))
    }

    /// Receive every topic whose name starts with `prefix` (e.g. ``Topic/p2pInPrefix``); no terminator is added.
    public func subscribe(prefix: String) {
        loop.submit(.subscribe(Array(prefix.utf8), known: nil))
    }

    /// Undo one ``subscribe(_:)``.
    public func unsubscribe(_ topic: Topic) {
        loop.submit(.unsubscribe(topic.frame))
    }

    /// Undo one ``subscribe(prefix:)``.
    public func unsubscribe(prefix: String) {
        loop.submit(.unsubscribe(Array(prefix.utf8)))
    }

    // MARK: Joining

    /// Waits until a probe published by this client comes back through the forwarder. After that, the
    /// subscriptions this client made before the call are in place at the forwarder, and this client's PUB socket
    /// has received the subscriptions the forwarder held when it connected.
    /// - Parameter timeout: how long to keep probing (the forwarder may be starting), counted as a
    ///   ``HangDeadline``: time this task spent starved of a thread does not count, since it sent no probes then.
    /// - Throws: ``BusError/notJoined(endpoints:waited:)`` when no probe came back in time.
    public func joined(timeout: Duration = .seconds(10)) async throws(BusError) {
        let probe = Topic.probe(sender)
        var deadline = HangDeadline(budget: timeout)
        loop.submit(.subscribe(probe.frame, known: probe))
        defer { loop.submit(.unsubscribe(probe.frame)) }
        while !shared.probeSeen.load(ordering: .acquiring) {
            if deadline.expired() || Task.isCancelled {
                // One more look: the probe may have come back while this task waited for a thread.
                if shared.probeSeen.load(ordering: .acquiring) { return }
                throw .notJoined(endpoints: endpoints, waited: timeout)
            }
            loop.submit(.probe(OutgoingBusMessage(topic: probe, payload: [])))
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: State

    /// Counters of this client.
    public var statistics: BusStatistics {
        BusStatistics(
            published: shared.published.load(ordering: .relaxed),
            received: shared.received.load(ordering: .relaxed),
            dropped: shared.dropped.load(ordering: .relaxed),
            malformed: shared.malformed.load(ordering: .relaxed),
            sendFailures: shared.sendFailures.load(ordering: .relaxed),
            droppedPublishes: loop.droppedCommands
        )
    }

    /// Messages seen missing per sender (from sequence gaps).
    public var droppedBySender: [SenderID: UInt64] {
        shared.droppedBySender.withLock { $0 }
    }

    /// Asks the client to stop; ``messages`` finishes. Queued publishes not yet sent are discarded. Returns at once.
    public func stop() { loop.stop() }
    /// Waits, without blocking a thread, until the loop has ended and closed the sockets.
    @discardableResult
    public func stopped() async -> ZMQError? { await loop.stopped() }
    /// Stops and blocks until done (synchronous code only).
    @discardableResult
    public func stopAndWait() -> ZMQError? { loop.stopAndWait() }
}

/// A message to publish in a batch (`BusClient.publish(contentsOf:)`).
public struct OutgoingBusMessage: Sendable {
    /// Where it goes.
    public var topic: Topic
    /// Event, request or reply.
    public var kind: Envelope.Kind
    /// Envelope flags (e.g. ``Envelope/Flags/error`` on a failed reply).
    public var flags: Envelope.Flags
    /// The peer the message is about, if any (`p2p.in.*`).
    public var peerID: PeerID?
    /// Pairs a reply with its request; 0 for none.
    public var requestID: UInt64
    /// The topic's payload (see ``BusPayload``).
    public var payload: [UInt8]

    /// A message to publish; the sequence number is added when it is sent.
    public init(
        topic: Topic,
        kind: Envelope.Kind = .event,
        flags: Envelope.Flags = [],
        peerID: PeerID? = nil,
        requestID: UInt64 = 0,
        payload: [UInt8]
    ) {
        self.topic = topic
        self.kind = kind
        self.flags = flags
        self.peerID = peerID
        self.requestID = requestID
        self.payload = payload
    }
}

/// Settings of a ``BusClient``.
public struct BusClientConfiguration: Sendable {
    /// ZeroMQ high-water mark of the PUB (send) and SUB (receive) sockets, in messages.
    public var highWaterMark: Int
    /// Received messages held for the consumer of ``BusClient/messages`` before the loop stops reading.
    public var receiveBufferLimit: Int
    /// Publishes queued for the loop thread before ``BusClient/publish(_:payload:kind:flags:peerID:requestID:)``
    /// drops.
    public var maxQueuedPublishes: Int
    /// Largest message frame the SUB socket accepts (a larger one disconnects the sender, libzmq reconnects). The
    /// largest legitimate payloads are blocks (spec: at most ~1 MiB); the default leaves ample room.
    public var maxMessageBytes: Int
    /// How the sockets authenticate to the forwarder (CURVE when the bus is on another host).
    public var security: BusClientSecurity

    /// Settings with the defaults used by the node's services.
    public init(
        highWaterMark: Int = 10_000,
        receiveBufferLimit: Int = 10_000,
        maxQueuedPublishes: Int = 100_000,
        maxMessageBytes: Int = 16 << 20,
        security: BusClientSecurity = .none
    ) {
        self.highWaterMark = highWaterMark
        self.receiveBufferLimit = receiveBufferLimit
        self.maxQueuedPublishes = maxQueuedPublishes
        self.maxMessageBytes = maxMessageBytes
        self.security = security
    }
}

/// Counters of a ``BusClient``.
public struct BusStatistics: Hashable, Sendable {
    /// Messages handed to the PUB socket (join probes not included).
    public var published: Int
    /// Messages received and delivered (or about to be) to ``BusClient/messages``.
    public var received: Int
    /// Messages of other publishers seen missing from sequence gaps (dropped past a high-water mark).
    public var dropped: Int
    /// Received messages that were not `[topic][envelope ‖ payload]` and were dropped.
    public var malformed: Int
    /// Messages the PUB socket refused.
    public var sendFailures: Int
    /// Publishes dropped because the publish queue was full.
    public var droppedPublishes: Int
}

/// Bus failures that are not libzmq's.
public enum BusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The client's probe never came back: no forwarder at these endpoints, or it is stuck.
    case notJoined(endpoints: BusEndpoints, waited: Duration)

    public var description: String {
        switch self {
        case .notJoined(let endpoints, let waited):
            "bus not reachable at \(endpoints.publish) / \(endpoints.subscribe) after \(waited)"
        }
    }
}
