import BloomCore
import Foundation
import Logging

/// The real bus, in a temporary run directory, for testing one service in-process.
///
/// It binds the real endpoints (a ``BusForwarder`` with a recorder on its thread), so the service under test runs
/// its real ``BusClient``. Tests then:
///
/// - `await mock.next(topic: .chainTip)` for what the service published (everything is recorded in order; `next`
///   takes the oldest unconsumed message of that topic, waiting for it if needed);
/// - `await mock.waitForSubscription(.p2pOut)` before publishing to the service: it returns once the service's
///   subscription has reached the forwarder (observed with `XPUB_VERBOSE`);
/// - `mock.publish(.p2pOut, value, as: sender)` as another service would. The message leaves from the forwarder's
///   own XPUB socket, whose filter already holds every subscription `waitForSubscription` saw, so a confirmed
///   subscriber cannot miss it (no slow-joiner race).
///
/// For the other direction, the service's client should call ``BusClient/joined(timeout:)`` at start (services do):
/// after it, its PUB socket knows that the recorder wants everything. Timeouts in `next` and `waitForSubscription`
/// only turn a hang into a failure; they are not speed assertions.
///
/// Each mock has its own directory (tests run in parallel); it is removed when the mock goes away.
public final class MockBus: Sendable {
    /// The bus endpoints in the temporary run directory.
    public let endpoints: BusEndpoints
    /// The temporary data directory (its `run/` holds the sockets). Removed on deinit.
    public let dataDirectory: String
    /// A context for the clients of the test (the forwarder has its own).
    public let context: ZMQContext
    /// Who ``publish(_:payload:as:kind:flags:peerID:requestID:)`` publishes as by default.
    public static let defaultSender = SenderID(service: .test, replica: 0, bootID: 0xB10C)

    private let forwarder: BusForwarder
    private let recorder: MockRecorder
    private let sequences = Locked<[MockSequenceKey: UInt64]>([:])

    /// Creates a temporary data directory and starts the forwarder in its `run/`.
    /// - Throws: ``MockBusError`` when the directory cannot be made, ``ZMQError`` when binding fails.
    public init(logger: Logger = Logger(label: "bloom.bus.mock")) throws {
        var template = Array("/tmp/bloom-mock-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let path = mkdtemp(base) else { return nil }
            return String(cString: path)
        }
        guard let made else { throw MockBusError.cannotCreateDirectory(errno: errno) }
        dataDirectory = made
        do {
            endpoints = try BusEndpoints.prepare(dataDirectory: made)
            context = try ZMQContext.make()
            recorder = MockRecorder()
            forwarder = try BusForwarder(
                endpoints: endpoints,
                configuration: .init(),
                tap: recorder,
                logger: logger
            )
        } catch {
            try? FileManager.default.removeItem(atPath: made)
            throw error
        }
    }

    deinit {
        // Not waiting: a deinit may run on the cooperative pool. The loop thread owns what it needs to finish.
        forwarder.stop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// A client connected to this bus and joined (its probe came back), for test code that plays a service.
    public func makeClient(
        as sender: SenderID,
        configuration: BusClientConfiguration = .init(),
        timeout: Duration = .seconds(10)
    ) async throws -> BusClient {
        let client = try BusClient(endpoints: endpoints, sender: sender, context: context, configuration: configuration)
        try await client.joined(timeout: timeout)
        return client
    }

    // MARK: What the service published

    /// The oldest recorded message of `topic` not yet returned by `next` (any topic when nil), waiting for one.
    /// - Throws: ``MockBusError/timedOut(topic:waited:)`` after `timeout` (a hang detector, keep it generous);
    ///   ``MockBusError/stopped`` once the mock has stopped; ``MockBusError/cancelled`` if the task is cancelled.
    public func next(topic: Topic? = nil, timeout: Duration = .seconds(10)) async throws(MockBusError) -> BusMessage {
        try await recorder.next(topic: topic, timeout: timeout, where: nil)
    }

    /// The oldest unconsumed message of `topic` (any when nil) for which `predicate` holds, waiting for one; the
    /// messages it skips stay available to later calls (e.g. the first heartbeat whose state is `ready`).
    public func next(
        topic: Topic?,
        timeout: Duration = .seconds(10),
        where predicate: @escaping @Sendable (BusMessage) -> Bool
    ) async throws(MockBusError) -> BusMessage {
        try await recorder.next(topic: topic, timeout: timeout, where: predicate)
    }

    /// ``next(topic:timeout:)`` and the payload decoded as `type`.
    public func next<P: BusPayload>(
        _ type: P.Type,
        topic: Topic,
        timeout: Duration = .seconds(10)
    ) async throws -> (message: BusMessage, payload: P) {
        let message = try await next(topic: topic, timeout: timeout)
        return (message, try message.decode(P.self))
    }

    /// Every message recorded so far, in arrival order, whether or not `next` returned it.
    public var recorded: [BusMessage] { recorder.state.withLock { $0.all } }

    /// Recorded messages whose frames were not a valid bus message.
    public var malformed: Int { recorder.state.withLock { $0.malformed } }

    /// Messages seen missing from the publishers' sequence numbers.
    public var dropped: UInt64 { recorder.state.withLock { $0.gaps.dropped } }

    /// Calls to `next` and `waitForSubscription` now waiting (a test can wait for its own wait to be in place).
    public var pendingWaits: Int {
        recorder.state.withLock { $0.messageWaiters.count + $0.subscriptionWaiters.count }
    }

    /// Subscriptions (prefixes, terminator included for exact topics) currently known to the forwarder.
    public var subscriptions: Set<[UInt8]> { recorder.state.withLock { $0.subscriptions } }

    // MARK: Acting as other services

    /// Waits until some subscriber's subscription covers `topic`.
    public func waitForSubscription(_ topic: Topic, timeout: Duration = .seconds(10)) async throws(MockBusError) {
        try await recorder.waitForSubscription(covering: topic.frame, name: topic.name, timeout: timeout)
    }

    /// Waits until some subscriber's subscription covers every topic starting with `prefix`.
    public func waitForSubscription(prefix: String, timeout: Duration = .seconds(10)) async throws(MockBusError) {
        try await recorder.waitForSubscription(covering: Array(prefix.utf8), name: prefix, timeout: timeout)
    }

    /// Publishes to the subscribers as `sender` would (sequence numbers per sender and topic, from 1).
    /// - Returns: false if the forwarder has stopped.
    @discardableResult
    public func publish(
        _ topic: Topic,
        payload: [UInt8],
        as sender: SenderID = MockBus.defaultSender,
        kind: Envelope.Kind = .event,
        flags: Envelope.Flags = [],
        peerID: PeerID? = nil,
        requestID: UInt64 = 0
    ) -> Bool {
        let sequence = sequences.withLock { table -> UInt64 in
            let key = MockSequenceKey(sender: sender, topic: topic)
            let next = (table[key] ?? 0) + 1
            table[key] = next
            return next
        }
        let envelope = Envelope(
            kind: kind,
            flags: flags,
            sender: sender,
            sequence: sequence,
            peerID: peerID,
            requestID: requestID
        )
        return forwarder.inject(BusMessage(topic: topic, envelope: envelope, payload: payload).frames())
    }

    /// Encodes `value` and publishes it (see ``publish(_:payload:as:kind:flags:peerID:requestID:)``).
    @discardableResult
    public func publish(
        _ topic: Topic,
        _ value: some BusPayload,
        as sender: SenderID = MockBus.defaultSender,
        kind: Envelope.Kind = .event,
        flags: Envelope.Flags = [],
        peerID: PeerID? = nil,
        requestID: UInt64 = 0
    ) -> Bool {
        publish(
            topic,
            payload: value.encoded(),
            as: sender,
            kind: kind,
            flags: flags,
            peerID: peerID,
            requestID: requestID
        )
    }

    /// Stops the forwarder; pending `next` calls fail with ``MockBusError/stopped``.
    public func stop() async {
        forwarder.stop()
        await forwarder.stopped()
    }
}

/// Why a mock-bus wait ended without a result.
public enum MockBusError: Error, Hashable, Sendable, CustomStringConvertible {
    case timedOut(topic: String?, waited: Duration)
    case stopped
    case cancelled
    case cannotCreateDirectory(errno: Int32)

    public var description: String {
        switch self {
        case .timedOut(let topic, let waited): "nothing on \(topic ?? "any topic") within \(waited)"
        case .stopped: "the mock bus stopped"
        case .cancelled: "the wait was cancelled"
        case .cannotCreateDirectory(let code): "cannot create a temporary directory (errno \(code))"
        }
    }
}

struct MockSequenceKey: Hashable {
    var sender: SenderID
    var topic: Topic
}
