import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import BloomSync
import BloomTestSupport
import BloomWire
import Logging
import ServiceLifecycle
import Testing

/// A restarted bloom-sync is brought up to date (issue 12): once its subscriptions are in place it says hello,
/// bloom-net answers with the peers it already holds, and the download resumes from a peer that never speaks
/// unasked. The test plays bloom-net and that peer, and publishes nothing before the hello.
@Suite(.serialized, .dedicatedThread) struct SyncServiceRestartTests {
    static let net = SenderID(service: .net, replica: 0, bootID: 0x77)

    /// Set once the service's tip is the target.
    final class Reached: Sendable {
        let value = Locked(false)
        var isSet: Bool { value.withLock { $0 } }
    }

    /// A service over `store`, its tip reported to `reached` once it is `target`.
    static func service(
        bus: BusClient,
        store: SQLiteChainStore,
        target: Hash256,
        reached: Reached
    ) throws -> SyncService<BusClient> {
        let engine = try ChainEngine(store: store, genesis: SyncFixture.genesis)
        var configuration = SyncService<BusClient>.Configuration()
        configuration.tickInterval = .milliseconds(50)
        return SyncService(
            bus: bus,
            owner: ChainOwner(core: SyncCore(engine: engine, rewardAddress: SyncFixture.bob)),
            configuration: configuration,
            logger: Logger(label: "bloom-sync.test"),
            onTip: { tip in if tip.hash == target { reached.value.withLock { $0 = true } } },
            clock: { (MonotonicClock.now(), SyncFixture.now) },
            join: { try? await bus.joined() }
        )
    }

    @Test func restart_withAPeerAlreadyConnectedThatSendsNothingUnasked_resumesTheDownloadAfterItsHello()
        async throws
    {
        // Given a store left at height 100 by the previous bloom-sync, and a peer at 400 that bloom-net has held
        // since before the restart: it finished its handshake long ago and says nothing unless asked.
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 400)
        let store = try SQLiteChainStore.inMemory()
        let previous = try ChainEngine(store: store, genesis: SyncFixture.genesis)
        for block in chain.prefix(100) { _ = try previous.submit(block.serialized(), now: SyncFixture.now) }
        let peer = try SimulatedPeer(id: 0x0100_0000_0000_0009, blocks: chain)
        let mock = try MockBus()
        let client = try await mock.makeClient(as: SenderID(service: .sync, replica: 0, bootID: 0x31))
        let reached = Reached()
        let service = try Self.service(bus: client, store: store, target: chain[399].hash, reached: reached)
        let group = ServiceGroup(services: [service], logger: Logger(label: "bloom-sync.test.group"))
        let running = Task { try await group.run() }

        // When the restarted service says hello, bloom-net answers with the peer it holds (and nothing else).
        let (hello, _) = try await mock.next(ServiceHello.self, topic: .serviceHello)
        #expect(hello.envelope.sender.service == .sync)
        // The service said hello only after `joined()`, so its subscriptions are in the forwarder's filter; the
        // recorder reads them on its own thread and may not have yet, so wait for it to see them before publishing.
        // Nothing is published twice: a service that missed this one announcement would never download.
        try await mock.waitForSubscription(.p2pPeer)
        let connected = PeerEvent.Connected(
            peer: peer.info.id,
            address: "127.0.0.1:7619",
            direction: .outbound,
            version: 1,
            height: peer.info.height,
            services: peer.info.services.rawValue,
            listenPort: 7619
        )
        mock.publish(.p2pPeer, PeerEvent.connected(connected), as: Self.net, peerID: peer.info.id)

        // Then the service asks the peer first, and the peer's answers alone take it to the peer's tip.
        var asked = false
        var rounds = 0
        while !reached.isSet && rounds < 20_000 {
            rounds += 1
            guard let recorded = try await SyncServiceIBDTests.next(mock), recorded.topic == .p2pOut else { continue }
            let request = try recorded.decode(P2POut.self)
            guard request.target == .peer(peer.info.id),
                let message = try PeerMessage(type: MessageType(rawValue: request.messageType), payload: request.payload)
            else { continue }
            asked = true
            for case .message(let from, let reply) in try peer.deliver(message, now: MonotonicClock.now()) {
                mock.publish(
                    Topic.p2pIn(messageType: reply.type.rawValue),
                    P2PIn(payload: reply.encodedPayload()),
                    as: Self.net,
                    peerID: from
                )
            }
        }
        #expect(asked)
        #expect(reached.isSet)
        let answer = try await service.answer("chain", args: .null).get()
        #expect(answer["height"] == .number(400))
        await group.triggerGracefulShutdown()
        try await running.value
        client.stop()
        await mock.stop()
    }

    @Test func hello_fromAnotherService_getsTheTipRepublishedWithItsParentAndCertificate() async throws {
        // Given a running bloom-sync at height 3 whose first chain.tip went out before the others joined.
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 3)
        let store = try SQLiteChainStore.inMemory()
        let engine = try ChainEngine(store: store, genesis: SyncFixture.genesis)
        for block in chain { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        let mock = try MockBus()
        let client = try await mock.makeClient(as: SenderID(service: .sync, replica: 0, bootID: 0x32))
        let service = try Self.service(bus: client, store: store, target: chain[2].hash, reached: Reached())
        let group = ServiceGroup(services: [service], logger: Logger(label: "bloom-sync.test.group"))
        let running = Task { try await group.run() }
        _ = try await mock.next(ServiceHello.self, topic: .serviceHello)
        _ = try await mock.next(ChainTip.self, topic: .chainTip)

        // When a restarted bloom-gossip says hello.
        mock.publish(.serviceHello, ServiceHello(), as: SenderID(service: .gossip, replica: 0, bootID: 0x55))

        // Then the tip goes out again, naming its parent and the SHA-256 of its certificate.
        let (_, tip) = try await mock.next(ChainTip.self, topic: .chainTip)
        #expect(
            tip
                == ChainTip(
                    height: 3,
                    hash: chain[2].hash,
                    parentHash: chain[1].hash,
                    certificateHash: chain[2].certificate.digest
                )
        )
        await group.triggerGracefulShutdown()
        try await running.value
        client.stop()
        await mock.stop()
    }
}
