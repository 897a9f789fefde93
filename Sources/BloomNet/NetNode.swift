import BloomBus
import BloomWire
import Foundation
import Logging
import NIOCore
import NIOPosix

/// bloom-net's peer I/O: listens, dials, runs one ``PeerConnection`` per socket, enforces connection limits,
/// address uniqueness and bans, and reports to a ``NetEventSink``.
///
/// All state is confined to one event loop (the node is `@unchecked Sendable` for that reason); public methods
/// hop onto it. The bus bridge calls the command methods and implements the sink.
public final class NetNode: @unchecked Sendable {
    /// The settings in force; `apply(reloaded:)` changes the live ones on the loop.
    public internal(set) var configuration: NetConfiguration
    let loop: EventLoop
    let sink: NetEventSink
    let clock: NetClock
    var logger: Logger

    var peers: [PeerID: PeerEntry] = [:]
    let ids: PeerIDGenerator
    var bans: BanList
    var serverChannel: Channel?
    var tickTask: RepeatedTask?
    var localHeight: UInt32
    /// How many bloom-net replicas run now: `configuration.replicaCount` at start, then what the supervisor
    /// publishes (`svc.replicas`) after `bloom scale`, so running replicas re-split the dials without a restart.
    var replicaCount: Int
    var stopping = false
    /// Set with `stopping`: when peers still in their handshake are let go at the latest.
    var shutdownDeadline: NIODeadline?
    /// The listener is closed and every peer is being let go: a connection accepted from now on is let go alone.
    var draining = false
    /// A flush of all peers is queued on the loop.
    var flushScheduled = false
    /// Bulk answer bytes held for all peers (``PeerEntry/bulkHeldBytes`` summed), against
    /// ``NetConfiguration/maxBulkHeldBytes``.
    var bulkHeldBytes = 0
    /// Addresses to keep connected (`--connect`, `p2p.ctl connect`), with their redial state.
    var candidates: [PeerEndpoint: DialState] = [:]
    /// Addresses being dialled now.
    var dialling: Set<PeerEndpoint> = []
    /// Addresses found to be ourselves: never dialled again.
    var selfAddresses: Set<PeerEndpoint> = []

    struct DialState {
        var nextAttempt: Double
        var delay: Double
    }

    /// A node that is not listening yet.
    /// - Parameters:
    ///   - configuration: Ports, limits, replica and data directory.
    ///   - eventLoop: The one loop every connection of this node runs on.
    ///   - sink: Where events go (the bus bridge).
    ///   - clock: Time sources (the system's by default).
    ///   - logger: Base logger.
    public init(
        configuration: NetConfiguration,
        eventLoop: EventLoop,
        sink: NetEventSink,
        clock: NetClock = .system,
        logger: Logger = Logger(label: "bloom-net")
    ) {
        self.configuration = configuration
        self.loop = eventLoop
        self.sink = sink
        self.clock = clock
        self.logger = logger
        self.localHeight = configuration.initialHeight
        self.replicaCount = max(1, configuration.replicaCount)
        self.ids = PeerIDGenerator(
            sender: SenderID(service: .net, replica: configuration.replica, bootID: configuration.bootID)
        )
        if let directory = configuration.dataDirectory {
            bans = BanList(dataDirectory: directory, now: clock.wall())
        } else {
            bans = BanList()
        }
        for endpoint in configuration.connect {
            candidates[endpoint] = DialState(nextAttempt: 0, delay: configuration.redialDelay)
        }
    }

    /// The loop every connection of this node runs on.
    public var eventLoop: EventLoop { loop }

    /// The port the listener is bound to (useful when the configuration asked for 0), nil before ``start()``.
    public var listeningPort: Int? {
        serverChannel?.localAddress?.port
    }

    /// Binds the listener (SO_REUSEPORT, so replicas share the port) and starts the timers and dials.
    /// - Returns: The bound port.
    public func start() -> EventLoopFuture<Int> {
        NetMetrics.prepare()
        let reusePort = ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT))
        let bootstrap = ServerBootstrap(group: loop, childGroup: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(reusePort, value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(Self.keepAliveIdle, value: Self.keepAliveIdleSeconds)
            .childChannelOption(Self.keepAliveInterval, value: Self.keepAliveIntervalSeconds)
            .childChannelOption(Self.keepAliveCount, value: Self.keepAliveProbes)
            .childChannelOption(Self.userTimeout, value: Self.userTimeoutMilliseconds)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: waterMark)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        PeerChannelHandler(node: self, direction: .inbound, dialled: nil)
                    )
                }
            }
        return bootstrap.bind(host: configuration.bindHost, port: configuration.port).flatMap { channel in
            self.serverChannel = channel
            self.tickTask = self.loop.scheduleRepeatedTask(
                initialDelay: .zero,
                delay: .nanoseconds(Int64(self.configuration.tickInterval * 1e9))
            ) { _ in self.tick() }
            let port = channel.localAddress?.port ?? self.configuration.port
            self.logger.info(
                "listening",
                metadata: ["bloom.port": "\(port)", "bloom.replica": "\(self.configuration.replica)"]
            )
            return self.loop.makeSucceededFuture(port)
        }
    }

    /// Stops accepting and the timers, lets a peer still in its handshake finish it and each peer's queued frames
    /// reach its socket (at most `drainTimeout` seconds in all: a peer that does not read must not hold up the
    /// exit), then closes every peer. Call once, before shutting the event loop group down.
    ///
    /// Finishing handshakes is what makes a rolling restart of replicas that share the port invisible to peers: a
    /// peer that connected to this replica just before it stopped gets its VERSION/VERACK, then a clean close,
    /// instead of a connection cut mid-handshake; new connections already go to the replicas still listening.
    ///
    /// 5 s by default, half of bloom-net's stop budget (`stop_s` 10): a peer that connected just before the stop
    /// began, on a machine so busy that its VERSION or our answer waited seconds for a core, still finishes.
    public func shutdown(drainTimeout: Double = 5) -> EventLoopFuture<Void> {
        loop.flatSubmit {
            self.stopping = true
            self.tickTask?.cancel()
            let deadline = NIODeadline.now() + .nanoseconds(Int64(drainTimeout * 1e9))
            self.shutdownDeadline = deadline
            let server = self.serverChannel?.close() ?? self.loop.makeSucceededVoidFuture()
            // Once the listener is closed no connection can arrive; those accepted until then are peers too.
            return server.recover { _ in }.flatMap {
                self.draining = true
                for entry in self.peers.values { _ = self.closeForShutdown(entry, deadline: deadline) }
                return self.whenEveryPeerIsGone(hardStop: deadline + .milliseconds(500))
            }
        }
    }

    /// Completes once no peer is left, checked every 10 ms (or at `hardStop`, past the drain's own deadline).
    ///
    /// Not just the peers of the moment the listener closed: NIO activates an accepted socket in a task of its own
    /// (`ServerSocketChannel` registers the child with `execute`), so a connection the listener accepted just before
    /// it closed becomes a peer a loop turn later, while draining (`channelActive` then drains it too). Completing
    /// with only the earlier peers let the process exit under that connection's handshake: the rolling-restart test
    /// lost one handshake in about 1 run of 6. A timer task runs after every task already queued, so the first check
    /// already sees such a late peer.
    private func whenEveryPeerIsGone(hardStop: NIODeadline) -> EventLoopFuture<Void> {
        loop.scheduleTask(in: .milliseconds(10)) {}.futureResult.flatMap {
            if self.peers.isEmpty || NIODeadline.now() >= hardStop { return self.loop.makeSucceededVoidFuture() }
            return self.whenEveryPeerIsGone(hardStop: hardStop)
        }
    }

    /// Waits (on the loop, polling every 10 ms) for `entry`'s handshake to end, then drains and closes it.
    func closeForShutdown(_ entry: PeerEntry, deadline: NIODeadline) -> EventLoopFuture<Void> {
        let connection = entry.connection
        if connection.isEstablished || connection.isClosed || NIODeadline.now() >= deadline {
            return drainAndClose(entry, deadline: deadline)
        }
        // The entry belongs to this event loop, and the wait runs on it.
        let bound = NIOLoopBound(entry, eventLoop: loop)
        return loop.scheduleTask(in: .milliseconds(10)) {}.futureResult.flatMap {
            self.closeForShutdown(bound.value, deadline: deadline)
        }
    }

    private func drainAndClose(_ entry: PeerEntry, deadline: NIODeadline) -> EventLoopFuture<Void> {
        // Stop reading from the peer; the channel stays open until its queue is written.
        _ = entry.connection.disconnect(.shutdown)
        if entry.closeReason == nil { entry.closeReason = .shutdown }
        let channel = entry.channel
        // An empty write completes once everything queued before it has been written.
        let drained = channel.writeAndFlush(channel.allocator.buffer(capacity: 0))
        let timeout = loop.scheduleTask(deadline: max(deadline, NIODeadline.now() + .milliseconds(100))) {
            channel.close(promise: nil)
        }
        drained.whenComplete { _ in
            timeout.cancel()
            channel.close(promise: nil)
        }
        return channel.closeFuture
    }

    // TCP keepalive: a peer whose host vanished (no FIN, no RST) is found after about 60 + 6 × 10 s instead of
    // the kernel's default two hours.
    static let keepAliveIdle = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPIDLE))
    static let keepAliveInterval = ChannelOptions.Types.SocketOption(
        level: .tcp,
        name: .init(rawValue: TCP_KEEPINTVL)
    )
    static let keepAliveCount = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPCNT))
    static let keepAliveIdleSeconds: SocketOptionValue = 60
    static let keepAliveIntervalSeconds: SocketOptionValue = 10
    static let keepAliveProbes: SocketOptionValue = 6

    // TCP_USER_TIMEOUT: a connection whose sent data stays unacknowledged for 20 s is closed by the kernel. Without
    // it, a silent partition left the connection open and its send queue filling with one PHASE a second; at the
    // heal they all arrived at once, over the receiver's PHASE bucket (burst 60, spec §2.5 item 13), and honest
    // peers banned each other for 24 h (found by Scripts/chaos). With it, at most about 20 PHASE wait in the queue.
    static let userTimeout = ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_USER_TIMEOUT))
    static let userTimeoutMilliseconds: SocketOptionValue = 20_000

    var waterMark: ChannelOptions.Types.WriteBufferWaterMark {
        let low = max(1, configuration.sendQueueLowWater)
        return .init(low: low, high: max(low + 1, configuration.sendQueueHighWater))
    }

    /// Our VERSION for a new connection.
    func localVersion() -> VersionMessage {
        VersionMessage(
            height: localHeight,
            timestamp: UInt64(max(0, clock.wall())),
            port: UInt32(clamping: listeningPort ?? configuration.port)
        )
    }

    func tick() {
        let now = clock.monotonic()
        for entry in Array(peers.values) {
            let actions = entry.connection.tick(now: now)
            perform(actions, for: entry)
            // Written answers not reported yet (fewer than a report's worth, while more are in flight).
            reportWritten(entry)
        }
        bans.prune(now: clock.wall())
        maintainOutbound(now: now)
    }
}
