import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomWire

/// Peers of the node under test, each a node of its own: an in-memory chain answered by a real ``BlockServer``.
/// Behaviours: honest, stalling (never answers), or answering nothing above a height while claiming more.
final class SimulatedPeer {
    enum Behaviour { case honest, stalling }

    let info: SyncPeer
    let engine: ChainEngine<InMemoryChainStore>
    var behaviour: Behaviour
    var server = BlockServer()
    /// Every message the node sent this peer.
    var received: [PeerMessage] = []

    init(
        id: UInt64,
        blocks: [Block],
        claimedHeight: UInt32? = nil,
        services: ServiceFlags = .node,
        behaviour: Behaviour = .honest
    ) throws {
        engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        for block in blocks { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        info = SyncPeer(id: PeerID(rawValue: id), height: claimedHeight ?? engine.tip.height, services: services)
        self.behaviour = behaviour
    }

    /// The peer's answers to one message from the node, as events for the node.
    func deliver(_ message: PeerMessage, now: Double) throws -> [SyncEvent] {
        received.append(message)
        guard behaviour == .honest else { return [] }
        // The peer sees the node as a full Swift node.
        let node = SyncPeer(id: PeerID(rawValue: 0), height: 0, services: .node)
        let answers = try server.answer(message, from: node, chain: engine, now: now) ?? []
        return answers.compactMap { action in
            if case .send(_, let reply) = action { return .message(info.id, reply) }
            return nil
        }
    }
}

/// Runs a node's ``SyncCore`` against simulated peers with a simulated clock, until it is quiet.
struct SimulatedNetwork {
    let core: SyncCore
    var peers: [PeerID: SimulatedPeer] = [:]
    var now = 1_000.0
    /// Actions the node took that were not sends to a simulated peer (tips, penalties, broadcasts).
    var other: [SyncAction] = []

    init(core: SyncCore, peers: [SimulatedPeer]) {
        self.core = core
        for peer in peers { self.peers[peer.info.id] = peer }
    }

    /// Connects every peer, then alternates node and peers until `done` holds or `maxSteps` ticks passed, a
    /// simulated second per idle step.
    mutating func run(maxSteps: Int = 2_000, until done: (SyncCore) -> Bool) throws {
        var events: [SyncEvent] = peers.values.sorted { $0.info.id < $1.info.id }.map { .peerConnected($0.info) }
        var idle = 0
        while !done(core) && idle < maxSteps {
            if events.isEmpty {
                now += 1
                idle += 1
                events = [.tick]
            }
            let actions = try core.handle(events, now: now, wallClock: SyncFixture.now)
            events = []
            for action in actions {
                if case .send(let id, let message) = action, let peer = peers[id] {
                    events += try peer.deliver(message, now: now)
                } else {
                    other.append(action)
                }
            }
        }
    }
}
