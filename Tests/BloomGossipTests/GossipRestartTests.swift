import BloomBus
import BloomCore
import BloomGossip
import BloomWire
import Testing

/// bloom-gossip and the "bring a new boot id up to date" rule (issue 12, ``ServiceHello``): a restarted gossip says
/// hello once subscribed and learns the peers and the tip from the answers alone; a restarted bloom-net gets the
/// scores again at once.
@Suite(.serialized) struct GossipRestartTests {
    static let sync = SenderID(service: .sync, replica: 0, bootID: 0x19)

    @Test func restartedGossip_saysHelloWhenSubscribed_andLearnsPeersAndTipFromTheAnswers() async throws {
        // Given a restarted bloom-gossip (mining, so that a seal shows which tip it builds on).
        let mining = MiningConfiguration(miner: .quick, mine: true, minBlockInterval: 1)
        let harness = try await ServiceHarness.start(mining: mining)

        // When it says hello, bloom-net answers with a peer that finished its handshake before the restart and
        // sends nothing since, and bloom-sync answers with its tip.
        let (hello, _) = try await harness.mock.next(ServiceHello.self, topic: .serviceHello)
        #expect(hello.envelope.sender.service == .gossip)
        let connected = PeerEvent.Connected(
            peer: PeerID(rawValue: Fixtures.alice.raw),
            address: "127.0.0.1:7700",
            direction: .inbound,
            version: 1,
            height: 12,
            services: ServiceFlags.node.rawValue,
            listenPort: 7700
        )
        harness.mock.publish(.p2pPeer, PeerEvent.connected(connected), as: ServiceHarness.net)
        let tip = ChainTip(
            height: 12,
            hash: Fixtures.hash(0x12),
            parentHash: Fixtures.hash(0x11),
            certificateHash: .zero
        )
        harness.mock.publish(.chainTip, tip, as: Self.sync)

        // Then it mines on that tip, and lists the silent peer (both came from the answers only).
        let (_, sealed) = try await harness.nextSeal()
        #expect(sealed.prevHash == tip.hash)
        let peers = await harness.service.coherenceReport().peers
        #expect(peers.map(\.id) == [Fixtures.alice.hex])
        #expect(peers.first?.address == "127.0.0.1:7700")
        try await harness.stop()
    }

    @Test func helloFromARestartedNet_getsEveryPeersScoreAtOnce() async throws {
        // Given a gossip that scores two peers and publishes scores only once an hour.
        let gossip = GossipConfiguration(scoreInterval: 3_600)
        let harness = try await ServiceHarness.start(gossip: gossip, mining: GossipServiceTests.idle)
        harness.fromPeer(Fixtures.alice, .coherence, Fixtures.coherence(r: 0.5, psi: 1))
        harness.fromPeer(Fixtures.carol, .coherence, Fixtures.coherence(r: 0.5, psi: 1))
        _ = try await harness.drain(Fixtures.carol)
        // The periodic publication may have run once already: take what it published.
        let isScore: @Sendable (BusMessage) -> Bool = { $0.topic == .gossipScore }
        let before = harness.mock.recorded.filter(isScore).count
        for _ in 0..<before { _ = try await harness.mock.next(topic: .gossipScore) }

        // When bloom-net restarts and says hello.
        harness.mock.publish(.serviceHello, ServiceHello(), as: SenderID(service: .net, replica: 1, bootID: 0x43))

        // Then both scores go out, without waiting an hour.
        var scored: Set<PeerID> = []
        while scored.count < 2 {
            let (_, score) = try await harness.mock.next(GossipScore.self, topic: .gossipScore)
            scored.insert(score.peer)
        }
        #expect(scored == [PeerID(rawValue: Fixtures.alice.raw), PeerID(rawValue: Fixtures.carol.raw)])
        try await harness.stop()
    }
}
