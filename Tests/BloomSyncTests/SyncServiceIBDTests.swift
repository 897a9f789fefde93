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

/// Initial block download through the real bus client and the mock bus: the test plays bloom-net and three
/// peers (honest, stalling, lying about its height) and answers the node's `p2p.out` requests.
@Suite(.serialized, .dedicatedThread) struct SyncServiceIBDTests {
    @Test func ibd_overTheMockBus_fromAPeer500Ahead_withAStallerAndALiar_reachesItsTip() async throws {
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 500)
        let peers = [
            try SimulatedPeer(id: 0x0100_0000_0000_0001, blocks: chain),
            try SimulatedPeer(id: 0x0100_0000_0000_0002, blocks: chain, behaviour: .stalling),
            try SimulatedPeer(id: 0x0100_0000_0000_0003, blocks: Array(chain.prefix(20)), claimedHeight: 9_000),
        ]
        let target = BloomChain.ChainTip(hash: chain[499].hash, height: 500)

        let mock = try MockBus()
        let client = try await mock.makeClient(as: SenderID(service: .sync, replica: 0, bootID: 5))
        var download = Downloader.Configuration()
        // Protocol times are configuration (DESIGN.md): a stall is noticed in half a second here.
        download.requestTimeout = 0.5
        let engine = try ChainEngine(store: SQLiteChainStore.inMemory(), genesis: SyncFixture.genesis)
        let owner = ChainOwner(core: SyncCore(engine: engine, rewardAddress: SyncFixture.bob, download: download))
        let reached = Locked(false)
        var configuration = SyncService<BusClient>.Configuration()
        configuration.tickInterval = .milliseconds(50)
        let service = SyncService(
            bus: client,
            owner: owner,
            configuration: configuration,
            logger: Logger(label: "bloom-sync.test"),
            onTip: { tip in
                if tip.hash == target.hash && tip.height == target.height { reached.withLock { $0 = true } }
            },
            clock: { (MonotonicClock.now(), SyncFixture.now) }
        )
        let group = ServiceGroup(services: [service], logger: Logger(label: "bloom-sync.test.group"))
        let running = Task { try await group.run() }
        try await mock.waitForSubscription(.gossipExpect)

        for peer in peers {
            let connected = PeerEvent.Connected(
                peer: peer.info.id,
                address: "127.0.0.1:7619",
                direction: .outbound,
                version: 1,
                height: peer.info.height,
                services: peer.info.services.rawValue,
                listenPort: 7619
            )
            mock.publish(.p2pPeer, PeerEvent.connected(connected))
        }
        // Answer requests until the tip is reached and the service has left the syncing state (on a loaded machine
        // the liar may still be in flight when the tip arrives); a bound on the loop keeps a failure from hanging
        // the run.
        var rounds = 0
        var settled = false
        while !settled && rounds < 20_000 {
            rounds += 1
            if reached.withLock({ $0 }) {
                let answer = try await service.answer("chain", args: .null).get()
                if answer["syncing"] == .bool(false) {
                    settled = true
                    continue
                }
            }
            guard let recorded = try await Self.next(mock) else { continue }
            guard recorded.topic == .p2pOut else { continue }
            let request = try recorded.decode(P2POut.self)
            guard case .peer(let id) = request.target,
                let peer = peers.first(where: { $0.info.id == id }),
                let message = try PeerMessage(
                    type: MessageType(rawValue: request.messageType),
                    payload: request.payload
                )
            else { continue }
            for case .message(let from, let reply) in try peer.deliver(message, now: MonotonicClock.now()) {
                mock.publish(
                    Topic.p2pIn(messageType: reply.type.rawValue),
                    P2PIn(payload: reply.encodedPayload()),
                    peerID: from
                )
            }
        }

        #expect(reached.withLock { $0 })
        let chainAnswer = try await service.answer("chain", args: .null).get()
        #expect(chainAnswer["height"] == .number(500))
        #expect(chainAnswer["syncing"] == .bool(false))
        #expect(!peers[1].received.isEmpty)
        await group.triggerGracefulShutdown()
        try await running.value
        client.stop()
        await mock.stop()
    }

    /// The next recorded message, or nil after a short wait (the test then checks the tip again).
    static func next(_ mock: MockBus) async throws -> BusMessage? {
        do {
            return try await mock.next(timeout: .milliseconds(100))
        } catch {
            if case .timedOut = error { return nil }
            throw error
        }
    }
}
