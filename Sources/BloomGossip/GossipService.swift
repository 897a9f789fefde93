import BloomBus
import BloomCore
import BloomWire
import Logging

/// Everything `GossipService` needs besides the bus.
public struct GossipServiceConfiguration: Sendable {
    /// The peer-facing logic.
    public var gossip: GossipConfiguration
    /// The ensemble and miner.
    public var mining: MiningConfiguration
    /// How often the service asks the engine whether a tick is due. The engine ticks at most once per
    /// `gossip.sharing.tickInterval`; polling 10× faster keeps the real period within 10% of it.
    public var tickPoll: Duration

    /// A configuration with every part given.
    public init(gossip: GossipConfiguration, mining: MiningConfiguration, tickPoll: Duration = .milliseconds(100)) {
        self.gossip = gossip
        self.mining = mining
        self.tickPoll = tickPoll
    }
}

/// bloom-gossip on the bus: subscribes to `p2p.in.PHASE/GETPHASE/COHERENCE/BLOOM`, `p2p.peer`, `chain.tip`,
/// `svc.heartbeat` and `svc.hello` (answered with every peer's score); runs the ensemble on its own thread;
/// publishes `p2p.out`, `p2p.ctl`, `gossip.sealed`, `gossip.expect`, `gossip.score` and, once subscribed,
/// `svc.hello`. The actor owns the `GossipEngine`; the `EnsembleThread` owns the miner.
///
/// Heartbeats and the `coherence` query travel through the service kit's link; the executable answers the query
/// with `coherenceReport()`.
public actor GossipService {
    private let bus: any Bus
    private let joined: @Sendable () async throws -> Void
    private let configuration: GossipServiceConfiguration
    private let clock: @Sendable () -> Double
    private let logger: Logger
    private var engine: GossipEngine
    private let ensemble: EnsembleThread
    private let events: AsyncStream<EnsembleThread.Event>
    private var netBootIDs: [UInt8: UInt32] = [:]
    private var currentTip: Hash256?
    private var metrics = GossipMetrics()

    /// The topics the service listens to.
    public static let subscriptions: [Topic] = [
        .p2pIn(messageType: MessageType.phase.rawValue),
        .p2pIn(messageType: MessageType.getPhase.rawValue),
        .p2pIn(messageType: MessageType.coherence.rawValue),
        .p2pIn(messageType: MessageType.bloom.rawValue),
        .p2pPeer,
        .chainTip,
        .serviceHeartbeat,
        .serviceHello,
    ]

    /// A service on a ZeroMQ bus client (not started: call `run()`); `run()` waits for the client to join.
    /// - Parameters:
    ///   - bus: a connected client.
    ///   - configuration: the settings.
    ///   - clock: monotonic seconds (tests may inject their own).
    ///   - logger: the service logger.
    /// - Throws: `KuramotoError.invalidConfiguration` for unusable miner settings.
    public init(
        bus: BusClient,
        configuration: GossipServiceConfiguration,
        clock: @escaping @Sendable () -> Double = GossipService.monotonicSeconds,
        logger: Logger
    ) throws(KuramotoError) {
        try self.init(
            bus: bus as any Bus,
            joined: { try await bus.joined() },
            configuration: configuration,
            clock: clock,
            logger: logger
        )
    }

    /// A service on any `Bus` (e.g. the in-memory double).
    /// - Parameters:
    ///   - bus: the bus connection.
    ///   - joined: returns once the bus delivers this connection's subscriptions (nothing to wait for in memory).
    ///   - configuration: the settings.
    ///   - clock: monotonic seconds.
    ///   - logger: the service logger.
    /// - Throws: `KuramotoError.invalidConfiguration` for unusable miner settings.
    public init(
        bus: any Bus,
        joined: @escaping @Sendable () async throws -> Void,
        configuration: GossipServiceConfiguration,
        clock: @escaping @Sendable () -> Double = GossipService.monotonicSeconds,
        logger: Logger
    ) throws(KuramotoError) {
        GossipMetrics.prepare()
        self.bus = bus
        self.joined = joined
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.engine = GossipEngine(configuration: configuration.gossip)
        let controller = try MiningController(configuration: configuration.mining)
        let (events, continuation) = AsyncStream<EnsembleThread.Event>.makeStream(bufferingPolicy: .bufferingNewest(64))
        self.events = events
        self.ensemble = EnsembleThread(controller: controller, clock: clock, onEvent: { continuation.yield($0) })
    }

    /// Seconds since an arbitrary origin, from the monotonic clock.
    public static let monotonicSeconds: @Sendable () -> Double = {
        let origin = ContinuousClock.now
        return { (ContinuousClock.now - origin) / .seconds(1) }
    }()

    /// Runs until cancelled; then stops the ensemble thread and returns.
    /// - Throws: the `joined` error (`BusError` for a client) when the bus cannot be joined, unless cancelled.
    public func run() async throws {
        for topic in Self.subscriptions { bus.subscribe(topic) }
        do {
            try await joined()
        } catch {
            // A stop request while waiting for the bus is a clean stop, not a failure.
            if Task.isCancelled { return }
            throw error
        }
        // Subscribed: the others may now bring us up to date (ServiceHello): bloom-net republishes its peers,
        // bloom-sync its tip.
        bus.sayHello()
        ensemble.start()
        logger.debug("gossip service running", metadata: [GossipLogKeys.mine: "\(configuration.mining.mine)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [bus] in
                for await message in bus.messages { await self.handle(message) }
            }
            group.addTask { [events] in
                for await event in events { await self.handle(event) }
            }
            group.addTask { [poll = configuration.tickPoll] in
                while true {
                    do { try await Task.sleep(for: poll) } catch { return }
                    await self.tick()
                }
            }
            // Any child ending (bus stopped, cancellation) ends the service.
            await group.next()
            group.cancelAll()
        }
        ensemble.stopAndWait()
        logger.debug("gossip service stopped")
    }

    /// The `coherence` query's answer, now.
    public func coherenceReport() -> CoherenceReport {
        engine.coherenceReport(now: clock(), status: ensemble.status)
    }

    /// The ensemble thread's latest status.
    public nonisolated var ensembleStatus: EnsembleStatus { ensemble.status }

    // MARK: inputs

    private func handle(_ message: BusMessage) {
        let now = clock()
        if message.topic.name.hasPrefix(Topic.p2pInPrefix) {
            guard let peer = message.envelope.peerID,
                let type = Self.messageType(topic: message.topic)
            else { return }
            if type == .phase { GossipMetrics.phasesReceived.increment() }
            perform(engine.receive(type: type, payload: message.payload, from: GossipPeer(peer.rawValue), now: now))
            return
        }
        do {
            switch message.topic {
            case .p2pPeer:
                switch try message.decode(PeerEvent.self) {
                case .connected(let info):
                    engine.peerConnected(GossipPeer(info.peer.rawValue), address: info.address, now: now)
                case .disconnected(let peer, _):
                    engine.peerGone(GossipPeer(peer.rawValue))
                }
            case .chainTip:
                newTip(try message.decode(ChainTip.self))
            case .serviceHello:
                _ = try message.decode(ServiceHello.self)
                // A restarted bloom-net would otherwise wait a score interval for its eviction input.
                guard message.envelope.sender.service != .gossip else { return }
                perform(engine.scores(now: now))
            case .serviceHeartbeat:
                // Heartbeats from a publisher with another encoding are not ours to judge: skip them quietly.
                guard let beat = try? message.decode(Heartbeat.self) else { return }
                // Late joiners miss `chain.tip` edges: the tip rides in every bloom-sync heartbeat.
                if beat.service == "bloom-sync", let tip = beat.tip { newTip(tip) }
                guard beat.service == "bloom-net" else { return }
                if let known = netBootIDs[beat.replica], known != beat.bootID {
                    engine.replicaRestarted(beat.replica)
                }
                netBootIDs[beat.replica] = beat.bootID
            default:
                return
            }
        } catch {
            logger.warning(
                "undecodable bus message",
                metadata: [GossipLogKeys.topic: "\(message.topic)", GossipLogKeys.error: "\(error)"]
            )
        }
    }

    private func newTip(_ tip: ChainTip) {
        guard tip.hash != currentTip else { return }
        currentTip = tip.hash
        let update = TipUpdate(
            height: UInt64(tip.height),
            hash: tip.hash,
            prevHash: tip.parentHash,
            certificateHash: tip.certificateHash
        )
        ensemble.post(tip: update)
        perform(engine.tipChanged(update))
    }

    private func handle(_ event: EnsembleThread.Event) {
        switch event {
        case .sealed(let block):
            GossipMetrics.sealed.increment()
            logger.info(
                "bloom sealed",
                metadata: [GossipLogKeys.height: "\(block.height)", GossipLogKeys.nonce: "\(block.nonce)"]
            )
            perform(engine.sealed(block))
        case .bloomSkipped(let reason):
            logger.debug("bloom not sealed", metadata: [GossipLogKeys.reason: "\(reason)"])
        }
    }

    private func tick() {
        let status = ensemble.status
        let now = clock()
        perform(engine.tick(now: now, local: status.snapshot, mining: status.mining))
        metrics.update(now: now, attempts: status.attempts) { engine.coherenceReport(now: now, status: status) }
    }

    private static let typesByTopic: [Topic: MessageType] = Dictionary(
        uniqueKeysWithValues: [MessageType.phase, .getPhase, .coherence, .bloom].map {
            (Topic.p2pIn(messageType: $0.rawValue), $0)
        }
    )

    static func messageType(topic: Topic) -> MessageType? { typesByTopic[topic] }

    // MARK: outputs

    private func perform(_ actions: [GossipAction]) {
        for action in actions {
            switch action {
            case .send(let type, let payload, let target):
                let busTarget: P2POut.Target
                switch target {
                case .peer(let peer): busTarget = .peer(PeerID(rawValue: peer.raw))
                case .all: busTarget = .all
                case .allExcept(let peer): busTarget = .allExcept(PeerID(rawValue: peer.raw))
                }
                bus.publish(.p2pOut, P2POut(messageType: type.rawValue, target: busTarget, payload: payload))
            case .penalise(let peer, let points, let reason):
                logger.info(
                    "peer penalised",
                    metadata: [
                        GossipLogKeys.peer: "\(peer)",
                        GossipLogKeys.points: "\(points)",
                        GossipLogKeys.reason: "\(reason)",
                    ]
                )
                let order = P2PControl.penalise(
                    peer: PeerID(rawValue: peer.raw),
                    points: UInt32(clamping: points),
                    reason: reason
                )
                bus.publish(.p2pControl, order)
            case .sealed(let block):
                let sealed = GossipSealed(
                    prevHash: block.prevHash,
                    nonce: block.nonce,
                    orderParameter: block.r,
                    meanPhase: block.psi,
                    oscillatorCount: block.oscillatorCount,
                    certificate: block.certificate.encoded()
                )
                bus.publish(.gossipSealed, sealed)
            case .expect(let announcer, let hash):
                let expect = GossipExpect(announcer: PeerID(rawValue: announcer.raw), certificateHash: hash)
                bus.publish(.gossipExpect, expect)
            case .score(let peer, let score):
                bus.publish(.gossipScore, GossipScore(peer: PeerID(rawValue: peer.raw), score: score))
            case .incorporate(let phases, let weight):
                ensemble.post(incorporate: phases, weight: weight)
            }
        }
    }
}
