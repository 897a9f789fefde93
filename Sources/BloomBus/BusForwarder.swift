import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bus's hub, run by the supervisor: an XSUB socket bound to `bus.pub` (every service's PUB connects there) and
/// an XPUB socket bound to `bus.sub` (every service's SUB connects there), forwarding messages XSUB → XPUB and
/// subscriptions XPUB → XSUB, so publishers filter at the source and replicas or restarted services need no
/// rewiring.
///
/// It runs on its own ``SocketLoop`` thread, with its own ZeroMQ context, and forwards frames without copying them
/// (`zmq_msg_send` moves the received message), up to a burst of messages per wake-up, as `zmq_proxy` does.
/// ``stop()`` ends it cleanly: once ``stopped()`` returns, its context is terminated, so the endpoints are free, and
/// the ipc socket files are removed (libzmq 4.3 leaves them behind; a stale file would let a client "connect" to
/// nothing).
public final class BusForwarder: Sendable {
    /// The endpoints it bound.
    public let endpoints: BusEndpoints
    private let loop: SocketLoop<ForwarderHandler>
    private let counters: ForwarderCounters

    /// Binds both sockets and starts forwarding.
    /// - Throws: ``ZMQError`` naming the endpoint that could not be bound (already in use, missing directory…).
    public convenience init(
        endpoints: BusEndpoints,
        configuration: BusForwarderConfiguration = .init(),
        logger: Logger = Logger(label: "bloom.bus")
    ) throws(ZMQError) {
        try self.init(endpoints: endpoints, configuration: configuration, tap: nil, logger: logger)
    }

    init(
        endpoints: BusEndpoints,
        configuration: BusForwarderConfiguration,
        tap: (any ForwarderTap)?,
        logger: Logger
    ) throws(ZMQError) {
        // A private context: its sockets are its only users, so it terminates on the loop thread right after they
        // close, which is what makes "stopped" mean "unbound".
        let context = try ZMQContext.make()
        let xsub = try context.makeSocket(.xsub)
        let xpub = try context.makeSocket(.xpub)
        for socket in [xsub, xpub] {
            try socket.setOption(.sendHighWaterMark, configuration.highWaterMark)
            try socket.setOption(.receiveHighWaterMark, configuration.highWaterMark)
        }
        try xsub.setOption(.maxMessageSize, configuration.maxMessageBytes)
        if endpoints.publish.hasPrefix("tcp://") { try xsub.keepTCPLinkAlive() }
        if endpoints.subscribe.hasPrefix("tcp://") { try xpub.keepTCPLinkAlive() }
        if tap != nil {
            // The tap must see every subscription (not only the first per topic) and every message: subscribe the
            // XSUB side to everything, so each publisher sends all it publishes.
            try xpub.setOption(.xpubVerbose, 1)
            try xsub.send([[1]])
        }
        try xsub.bind(endpoints.publish)
        try xpub.bind(endpoints.subscribe)
        let counters = ForwarderCounters()
        var sockets = [xsub, xpub]
        var authenticator: ZAPAuthenticator?
        if let listener = configuration.tcpListener {
            for socket in [xsub, xpub] { try socket.keepTCPLinkAlive() }
            if case .curve(let keyPair, let directory) = listener.security {
                // The ZAP handler must be bound in this context before a CURVE listener can ask it anything; the
                // security options only reach the listeners bound after them, so the ipc endpoints stay plain.
                let zap = try context.makeSocket(.rep)
                try zap.bind(ZAPAuthenticator.endpoint)
                sockets.append(zap)
                authenticator = ZAPAuthenticator(
                    authorizedKeysDirectory: directory,
                    counters: counters,
                    logger: logger
                )
                for socket in [xsub, xpub] {
                    try socket.setCurveServer(keyPair)
                    try socket.setZAPDomain(ZAPAuthenticator.domain)
                }
            }
            try xsub.bind(listener.publish)
            try xpub.bind(listener.subscribe)
            logger.notice("bus listening for other hosts", metadata: ["bloom.endpoints": "\(listener)"])
            if case .insecure = listener.security {
                logger.warning(
                    "the tcp bus is insecure (--bus-insecure): anyone who reaches \(listener.publish) can read and publish on the bus"
                )
            }
        }
        let ipcPaths = [endpoints.publish, endpoints.subscribe].compactMap { endpoint in
            endpoint.hasPrefix("ipc://") ? String(endpoint.dropFirst("ipc://".count)) : nil
        }
        let handler = ForwarderHandler(
            xsub: xsub,
            xpub: xpub,
            counters: counters,
            tap: tap,
            ipcPaths: ipcPaths,
            authenticator: authenticator,
            logger: logger
        )
        self.endpoints = endpoints
        self.counters = counters
        self.loop = try SocketLoop(
            sockets: sockets,
            handler: handler,
            configuration: .init(name: "bus.forwarder")
        )
    }

    /// Messages forwarded from publishers to subscribers so far.
    public var forwardedMessages: Int { counters.messages.load(ordering: .relaxed) }
    /// Subscription messages forwarded from subscribers to publishers so far.
    public var forwardedSubscriptions: Int { counters.subscriptions.load(ordering: .relaxed) }
    /// Remote clients the CURVE listener let in (each connection of each socket counts).
    public var admittedClients: Int { counters.admitted.load(ordering: .relaxed) }
    /// Remote connection attempts the CURVE listener turned away.
    public var refusedClients: Int { counters.refused.load(ordering: .relaxed) }

    /// Sends frames out of the XPUB side as if a publisher had (the mock bus's way to publish without a slow-joiner
    /// race: a subscription the XPUB socket has delivered is in its filter when the next send happens).
    func inject(_ frames: [[UInt8]]) -> Bool {
        loop.submit(.inject(frames))
    }

    /// Asks the forwarder to stop; returns at once.
    public func stop() { loop.stop() }
    /// Waits, without blocking a thread, until it has stopped and closed (and unlinked) its sockets.
    @discardableResult
    public func stopped() async -> ZMQError? { await loop.stopped() }
    /// Stops and blocks until done (synchronous code only).
    @discardableResult
    public func stopAndWait() -> ZMQError? { loop.stopAndWait() }
}

/// Settings of a ``BusForwarder``.
public struct BusForwarderConfiguration: Sendable {
    /// Messages queued per connected peer in each direction before XPUB drops (and subscribers count gaps).
    public var highWaterMark: Int
    /// Largest frame accepted from a publisher (a larger one disconnects it): bounds what one bad process can make
    /// the hub hold.
    public var maxMessageBytes: Int

    /// A listener for services on other hosts (`--bus-bind`), beside the local endpoints; `nil` for none.
    public var tcpListener: BusTCPListener?

    /// Settings with the supervisor's defaults.
    public init(highWaterMark: Int = 10_000, maxMessageBytes: Int = 16 << 20, tcpListener: BusTCPListener? = nil) {
        self.highWaterMark = highWaterMark
        self.maxMessageBytes = maxMessageBytes
        self.tcpListener = tcpListener
    }
}

/// Sees what passes through a forwarder, on its thread (the mock bus's recorder).
protocol ForwarderTap: AnyObject, Sendable {
    /// A message on its way from a publisher to the subscribers.
    func forwarded(_ frames: [[UInt8]])
    /// A subscription message (first byte 1 subscribe, 0 unsubscribe, then the prefix) from a subscriber.
    func subscription(_ frame: [UInt8])
    func forwarderFinished()
}

final class ForwarderCounters: Sendable {
    let messages = Atomic<Int>(0)
    let subscriptions = Atomic<Int>(0)
    let admitted = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
}

final class ForwarderHandler: SocketLoopHandler {
    enum Command: Sendable {
        case inject([[UInt8]])
    }

    /// Messages moved per wake-up and direction before the other direction gets its turn (zmq_proxy uses 1000).
    static let burst = 1000

    /// Raw handles, valid while the loop thread holds the sockets (for the whole life of this handler's use).
    private let xsub: UnsafeMutableRawPointer
    private let xpub: UnsafeMutableRawPointer
    private let buffer = ZMQMessageBuffer()
    private let counters: ForwarderCounters
    private let tap: (any ForwarderTap)?
    private let logger: Logger
    private let ipcPaths: [String]
    private var tapFrames: [[UInt8]] = []
    private let authenticator: ZAPAuthenticator?

    init(
        xsub: ZMQSocket,
        xpub: ZMQSocket,
        counters: ForwarderCounters,
        tap: (any ForwarderTap)?,
        ipcPaths: [String],
        authenticator: ZAPAuthenticator?,
        logger: Logger
    ) {
        self.authenticator = authenticator
        self.xsub = xsub.handle
        self.xpub = xpub.handle
        self.counters = counters
        self.tap = tap
        self.ipcPaths = ipcPaths
        self.logger = logger
    }

    func socketReady(_ index: Int, events: ZMQPollEvents, socket: ZMQSocket) {
        if index == 0 {
            let moved = forward(from: xsub, to: xpub, tapping: tap != nil)
            counters.messages.add(moved, ordering: .relaxed)
        } else if index == 1 {
            let moved = forward(from: xpub, to: xsub, tapping: false)
            counters.subscriptions.add(moved, ordering: .relaxed)
        } else {
            authenticator?.serve(socket)
        }
    }

    /// Moves up to ``burst`` whole messages; returns how many.
    private func forward(from source: UnsafeMutableRawPointer, to destination: UnsafeMutableRawPointer, tapping: Bool)
        -> Int
    {
        var moved = 0
        while moved < Self.burst {
            if buffer.receive(from: source, nonBlocking: true) != 0 { break }
            while true {
                let more = buffer.more
                if tapping { tapFrames.append(Array(buffer.bytes)) }
                if source == xpub, let tap { tap.subscription(Array(buffer.bytes)) }
                // XPUB and XSUB never block on send: XPUB drops past the high-water mark (subscribers count it).
                if buffer.send(to: destination, more: more, nonBlocking: true) != 0 {
                    buffer.discardRest(of: source)
                    break
                }
                if !more { break }
                if buffer.receive(from: source, nonBlocking: false) != 0 { break }
            }
            if tapping {
                tap?.forwarded(tapFrames)
                tapFrames.removeAll(keepingCapacity: true)
            }
            moved += 1
        }
        return moved
    }

    func perform(_ command: Command, sockets: [ZMQSocket]) {
        switch command {
        case .inject(let frames):
            do {
                try sockets[1].send(frames, nonBlocking: true)
            } catch {
                logger.debug("forwarder inject failed", metadata: [BusLogKeys.error: "\(error)"])
            }
        }
    }

    func loopFinished(error: ZMQError?) {
        if let error { logger.warning("bus forwarder ended", metadata: [BusLogKeys.error: "\(error)"]) }
        // Removing the name of a listening socket only stops new connections, which is the point: from now on a
        // client connecting to this endpoint waits for the next forwarder instead of reaching a dead socket.
        for path in ipcPaths { _ = unlink(path) }
        tap?.forwarderFinished()
    }
}
