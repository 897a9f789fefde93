import BloomBus
import BloomCore
import BloomGossip
import BloomWire
import Logging

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let value = Locked(1000.0)
    var now: Double { value.withLock { $0 } }
    func advance(by seconds: Double) { value.withLock { $0 += seconds } }
    var read: @Sendable () -> Double { { [self] in self.now } }
}

/// A `GossipService` running on a `MockBus`, with a manual clock.
struct ServiceHarness {
    let mock: MockBus
    let service: GossipService
    let clock: ManualClock
    let task: Task<Void, any Error>

    static let net = SenderID(service: .net, replica: 1, bootID: 0x42)

    static func start(gossip: GossipConfiguration = GossipConfiguration(), mining: MiningConfiguration)
        async throws -> ServiceHarness
    {
        let mock = try MockBus()
        let clock = ManualClock()
        let client = try BusClient(
            endpoints: mock.endpoints,
            sender: SenderID.newBoot(service: .gossip),
            context: mock.context
        )
        let service = try GossipService(
            bus: client,
            configuration: GossipServiceConfiguration(gossip: gossip, mining: mining, tickPoll: .milliseconds(5)),
            clock: clock.read,
            logger: Logger(label: "test.gossip")
        )
        let task = Task { try await service.run() }
        for topic in GossipService.subscriptions { try await mock.waitForSubscription(topic) }
        return ServiceHarness(mock: mock, service: service, clock: clock, task: task)
    }

    /// The next `gossip.sealed`. Mining runs on the ensemble's own thread and is CPU work: with other suites and a
    /// busy core sharing two cores, a debug build's seal can take tens of seconds of wall time while this waiter
    /// runs on schedule, so the hang detector here is sized for that (as the mining controller tests' are).
    func nextSeal() async throws -> (message: BusMessage, payload: GossipSealed) {
        try await mock.next(GossipSealed.self, topic: .gossipSealed, timeout: .seconds(120))
    }

    /// A frame from a peer, as bloom-net publishes it.
    func fromPeer(_ peer: GossipPeer, _ type: MessageType, _ payload: [UInt8]) {
        mock.publish(
            .p2pIn(messageType: type.rawValue),
            payload: payload,
            as: Self.net,
            peerID: PeerID(rawValue: peer.raw)
        )
    }

    /// Waits until every message sent so far by `peer` was handled: asks for a PHASE and awaits the answer,
    /// which comes after the next tick. The GETPHASE may reach the service only after the tick the clock move
    /// caused (a loaded machine), so the clock keeps moving until the answer comes; the loop bound only detects
    /// a hang.
    func drain(_ peer: GossipPeer) async throws -> P2POut {
        fromPeer(peer, .getPhase, [])
        for _ in 0..<60 {
            clock.advance(by: 1)
            let out: P2POut
            do {
                (_, out) = try await mock.next(P2POut.self, topic: .p2pOut, timeout: .milliseconds(500))
            } catch MockBusError.timedOut {
                continue
            }
            if out.messageType == MessageType.phase.rawValue,
                out.target == .peer(PeerID(rawValue: peer.raw)) || out.target == .all
            {
                return out
            }
        }
        throw MockBusError.timedOut(topic: Topic.p2pOut.description, waited: .seconds(30))
    }

    func stop() async throws {
        task.cancel()
        _ = await task.result
        await mock.stop()
    }
}
