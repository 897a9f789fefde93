import Logging
import Synchronization

/// A ready-made ``SocketLoop`` for request/answer style sockets (the supervisor's ROUTER control socket, the CLI's
/// DEALER, REQ/REP, PUSH/PULL): whole multipart messages in, whole multipart messages out.
///
/// ```swift
/// let context = try ZMQContext.make()
/// let router = try context.makeSocket(.router)
/// try router.bind(endpoints.control)
/// let loop = try MessageLoop(sockets: [router], name: "control")
/// for await message in loop.received {           // message.socket == 0, message.frames == [id, json]
///     loop.send([message.frames[0], answer], on: 0)
/// }
/// ```
///
/// Ownership: the loop takes the sockets; ``send(_:on:)`` copies nothing more than the frame arrays it is given.
/// Sends are non-blocking on the loop thread: a message a socket cannot take now (EAGAIN: no peer, pipe full) or
/// refuses (EHOSTUNREACH from a ROUTER with ``ZMQIntOption/routerMandatory``) is dropped, counted in
/// ``sendFailures`` and logged at debug, so a stuck peer can never stall the loop. Callers that need delivery use a
/// request id and a timeout, as the control protocol does.
public final class MessageLoop: Sendable {
    /// One received multipart message and the index of the socket it came from.
    public struct Received: Sendable {
        /// Index of the socket in the list given to the loop.
        public var socket: Int
        /// The message's frames (for a ROUTER, the routing id first).
        public var frames: [[UInt8]]

        /// A received message (for tests and doubles).
        public init(socket: Int, frames: [[UInt8]]) {
            self.socket = socket
            self.frames = frames
        }
    }

    /// Received messages, in order per socket. Finishes when the loop stops. Iterate it from one task.
    public let received: AsyncStream<Received>
    private let loop: SocketLoop<MessageLoopHandler>
    private let counters: MessageLoopCounters

    /// Starts the loop thread over `sockets` (every socket is read).
    /// - Parameters:
    ///   - sockets: taken over by the loop thread; do not use them afterwards.
    ///   - name: the thread's name.
    ///   - receiveBufferLimit: received messages held for a slow consumer before new ones are dropped (counted in
    ///     ``droppedReceived``).
    ///   - logger: where send failures are reported.
    public init(
        sockets: [ZMQSocket],
        name: String,
        receiveBufferLimit: Int = 10_000,
        logger: Logger = Logger(label: "bloom.bus")
    ) throws(ZMQError) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Received.self,
            bufferingPolicy: .bufferingOldest(max(1, receiveBufferLimit))
        )
        let counters = MessageLoopCounters()
        let handler = MessageLoopHandler(continuation: continuation, counters: counters, logger: logger, name: name)
        self.received = stream
        self.counters = counters
        self.loop = try SocketLoop(sockets: sockets, handler: handler, configuration: .init(name: name))
    }

    /// Queues `frames` to be sent on socket `index`. Never blocks.
    /// - Returns: false when the command queue was full or the loop has stopped.
    @discardableResult
    public func send(_ frames: [[UInt8]], on index: Int) -> Bool {
        loop.submit(.send(socket: index, frames: frames))
    }

    /// Runs `body` on the loop thread with socket `index`, after every command queued before it: to subscribe,
    /// change an option, or connect somewhere else while the loop runs. Errors are the body's to handle.
    @discardableResult
    public func withSocket(_ index: Int, _ body: @escaping @Sendable (ZMQSocket) -> Void) -> Bool {
        loop.submit(.access(socket: index, body: body))
    }

    /// Messages that could not be sent (would block, unroutable, bad socket index).
    public var sendFailures: Int { counters.sendFailures.load(ordering: .relaxed) }
    /// Received messages dropped because ``received`` was not read fast enough.
    public var droppedReceived: Int { counters.droppedReceived.load(ordering: .relaxed) }

    /// Asks the loop to end; ``received`` finishes. Returns at once.
    public func stop() { loop.stop() }
    /// Waits, without blocking a thread, until the loop has ended and closed its sockets.
    @discardableResult
    public func stopped() async -> ZMQError? { await loop.stopped() }
    /// Stops and blocks until the loop has ended (synchronous code only).
    @discardableResult
    public func stopAndWait() -> ZMQError? { loop.stopAndWait() }
}

final class MessageLoopCounters: Sendable {
    let sendFailures = Atomic<Int>(0)
    let droppedReceived = Atomic<Int>(0)
}

enum MessageLoopCommand: Sendable {
    case send(socket: Int, frames: [[UInt8]])
    case access(socket: Int, body: @Sendable (ZMQSocket) -> Void)
}

final class MessageLoopHandler: SocketLoopHandler {
    /// Messages received from one socket per turn, so that a flood on one socket cannot starve the others.
    static let receiveBatch = 256

    let continuation: AsyncStream<MessageLoop.Received>.Continuation
    let counters: MessageLoopCounters
    let logger: Logger
    let name: String

    init(
        continuation: AsyncStream<MessageLoop.Received>.Continuation,
        counters: MessageLoopCounters,
        logger: Logger,
        name: String
    ) {
        self.continuation = continuation
        self.counters = counters
        self.logger = logger
        self.name = name
    }

    func socketReady(_ index: Int, events: ZMQPollEvents, socket: ZMQSocket) {
        for _ in 0..<Self.receiveBatch {
            let frames: [[UInt8]]?
            do {
                frames = try socket.receive(nonBlocking: true)
            } catch {
                logger.debug("receive failed", metadata: [BusLogKeys.loop: "\(name)", BusLogKeys.error: "\(error)"])
                return
            }
            guard let frames else { return }
            if case .dropped = continuation.yield(MessageLoop.Received(socket: index, frames: frames)) {
                counters.droppedReceived.add(1, ordering: .relaxed)
            }
        }
    }

    func perform(_ command: MessageLoopCommand, sockets: [ZMQSocket]) {
        switch command {
        case .send(let index, let frames):
            guard sockets.indices.contains(index) else {
                counters.sendFailures.add(1, ordering: .relaxed)
                logger.debug(
                    "send to unknown socket",
                    metadata: [BusLogKeys.loop: "\(name)", BusLogKeys.socket: "\(index)"]
                )
                return
            }
            do {
                if try !sockets[index].send(frames, nonBlocking: true) {
                    counters.sendFailures.add(1, ordering: .relaxed)
                    logger.debug(
                        "send would block",
                        metadata: [BusLogKeys.loop: "\(name)", BusLogKeys.socket: "\(index)"]
                    )
                }
            } catch {
                counters.sendFailures.add(1, ordering: .relaxed)
                logger.debug(
                    "send failed",
                    metadata: [BusLogKeys.loop: "\(name)", BusLogKeys.socket: "\(index)", BusLogKeys.error: "\(error)"]
                )
            }
        case .access(let index, let body):
            if sockets.indices.contains(index) { body(sockets[index]) }
        }
    }

    func loopFinished(error: ZMQError?) {
        if let error {
            logger.warning("socket loop ended", metadata: [BusLogKeys.loop: "\(name)", BusLogKeys.error: "\(error)"])
        }
        continuation.finish()
    }
}
