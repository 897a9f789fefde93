import BloomBus
import BloomWire
import Logging

/// Connects a ``NetNode`` to the bus (DESIGN.md "The bus", "Contracts").
///
/// | topic | direction | what |
/// |---|---|---|
/// | `p2p.in.<TYPE>` | publish | every accepted frame; envelope peer id = the connection's id, sender = this replica |
/// | `p2p.peer` | publish | connected (VERSION fields, address, direction) / disconnected (reason) |
/// | `p2p.flow` | publish | a peer's send queue (channel and bulk queue) full / open again; bulk answer bytes written |
/// | `p2p.out` | subscribe | send to one peer, all, or all but one; with the envelope's bulk flag (an answer to a request) behind relays, within the peer's bulk budget |
/// | `p2p.ctl` | subscribe | penalise, disconnect, ban (peer or IP), connect |
/// | `chain.tip` | subscribe | our height for VERSION |
/// | `gossip.score` | subscribe | consistency scores, used when evicting inbound peers |
/// | `svc.heartbeat` | subscribe | bloom-sync's tip → our VERSION height |
/// | `svc.hello` | subscribe | another service joined → re-publish every `p2p.peer connected` (``ServiceHello``) |
/// | `svc.replicas` | subscribe | bloom-net's replica count → split the outbound dials by it |
///
/// The publishing half is the node's ``NetEventSink``; ``run(node:)`` is the consuming half.
public final class NetBusBridge: NetEventSink {
    private let bus: any Bus
    private let logger: Logger

    /// A bridge publishing on `bus`.
    public init(bus: any Bus, logger: Logger = Logger(label: "bloom-net.bus")) {
        self.bus = bus
        self.logger = logger
    }

    /// The topics ``run(node:)`` consumes; subscribed by ``subscribe()``.
    public static let subscriptions: [Topic] = [
        .p2pOut, .p2pControl, .chainTip, .gossipScore, .serviceHeartbeat, .serviceHello, .serviceReplicas,
    ]

    /// Subscribes the bus to everything ``run(node:)`` consumes.
    public func subscribe() {
        for topic in Self.subscriptions { bus.subscribe(topic) }
    }

    /// Publishes one node event (called on the node's event loop; publishing never blocks).
    public func handle(_ event: NetEvent) {
        switch event {
        case .message(let id, let frame):
            bus.publish(
                Topic.p2pIn(messageType: frame.type.rawValue),
                payload: frame.payload,
                kind: .event,
                flags: [],
                peerID: id,
                requestID: 0
            )
        case .connected(let snapshot, let version):
            guard let id = PeerID(hex: snapshot.id) else { return }
            let connected = PeerEvent.Connected(
                peer: id,
                address: snapshot.address,
                direction: snapshot.direction == "in" ? .inbound : .outbound,
                version: version?.protocolVersion ?? 0,
                height: snapshot.height,
                services: snapshot.services,
                listenPort: UInt16(clamping: version?.port ?? 0)
            )
            bus.publish(.p2pPeer, PeerEvent.connected(connected), peerID: connected.peer)
        case .disconnected(let id, _, let reason):
            bus.publish(.p2pPeer, PeerEvent.disconnected(peer: id, reason: reason.description), peerID: id)
        case .flow(let id, let open):
            bus.publish(.p2pFlow, P2PFlow(peer: id, state: open ? .open : .full), peerID: id)
        case .written(let id, let bytes):
            bus.publish(.p2pFlow, P2PFlow(peer: id, state: .written, bytes: UInt64(max(0, bytes))), peerID: id)
        }
    }

    /// Starts ``run(node:)`` on the node's event loop (not on the cooperative pool) and returns its task.
    public func start(node: NetNode) -> Task<Void, Never> {
        Task(executorPreference: EventLoopTaskExecutor(loop: node.eventLoop)) {
            await self.run(node: node)
        }
    }

    /// Applies bus messages to `node` until the bus stops or the task is cancelled, a batch at a time: in each
    /// batch (everything received so far) answers to requests (`p2p.out` with the bulk flag) come after everything
    /// else, so a relay never waits in this queue behind a backlog of answers (issue 15).
    public func run(node: NetNode) async {
        var iterator = bus.messages.makeAsyncIterator()
        while let batch = await iterator.nextBatch() {
            if Task.isCancelled { return }
            for message in Self.relaysFirst(batch) { apply(message, to: node) }
        }
    }

    /// `batch` with every bulk answer moved behind the other messages, each group in its own order.
    static func relaysFirst(_ batch: [BusMessage]) -> [BusMessage] {
        let isBulk = { (message: BusMessage) in message.topic == .p2pOut && message.envelope.flags.contains(.bulk) }
        guard batch.contains(where: isBulk) else { return batch }
        return batch.filter { !isBulk($0) } + batch.filter(isBulk)
    }

    /// Applies one message; malformed payloads are logged and dropped.
    public func apply(_ message: BusMessage, to node: NetNode) {
        do {
            switch message.topic {
            case .p2pOut:
                let out = try message.decode(P2POut.self)
                let target: SendTarget
                switch out.target {
                case .peer(let peer): target = .one(peer)
                case .all: target = .all
                case .allExcept(let peer): target = .allExcept(peer)
                }
                node.send(
                    type: MessageType(rawValue: out.messageType),
                    payload: out.payload,
                    to: target,
                    bulk: message.envelope.flags.contains(.bulk)
                )
            case .p2pControl:
                apply(try message.decode(P2PControl.self), to: node)
            case .chainTip:
                node.setLocalHeight(try message.decode(ChainTip.self).height)
            case .serviceHeartbeat:
                // chain.tip is an edge: a bloom-net started on an existing chain would advertise height 0 in VERSION
                // until the next block, and a fresh peer would not download from it. The tip rides in every
                // bloom-sync heartbeat (DESIGN.md "Heartbeats").
                if let tip = try message.decode(Heartbeat.self).tip { node.setLocalHeight(tip.height) }
            case .serviceHello:
                _ = try message.decode(ServiceHello.self)
                // A service that just joined missed every `p2p.peer` edge: bring it up to date (ServiceHello).
                // Another bloom-net replica owns no state of ours to need, and our own hello needs no answer.
                guard message.envelope.sender.service != .net else { return }
                node.republishConnected()
            case .serviceReplicas:
                let replicas = try message.decode(ServiceReplicas.self)
                if let count = replicas.counts[ServiceKind.net.name] { node.setReplicaCount(Int(count)) }
            case .gossipScore:
                let score = try message.decode(GossipScore.self)
                node.setConsistencyScore(score.peer, score: score.score)
            default:
                break
            }
        } catch {
            logger.warning(
                "malformed bus message",
                metadata: ["bloom.topic": "\(message.topic)", "bloom.error": "\(error)"]
            )
        }
    }

    private func apply(_ control: P2PControl, to node: NetNode) {
        switch control {
        case .penalise(let peer, let points, let reason):
            node.penalise(peer, points: Int(points), reason: reason)
        case .disconnect(let peer, let reason):
            node.disconnect(peer, reason: reason)
        case .ban(.peer(let peer), let seconds, let reason):
            node.ban(peer, duration: seconds == 0 ? nil : Double(seconds), reason: reason)
        case .ban(.ip(let ip), let seconds, let reason):
            node.ban(ip: ip, duration: seconds == 0 ? nil : Double(seconds), reason: reason)
        case .connect(let address):
            guard let endpoint = PeerEndpoint(parsing: address) else {
                logger.warning("connect: bad address", metadata: ["bloom.peer.address": "\(address)"])
                return
            }
            node.connect(to: endpoint)
        }
    }
}
