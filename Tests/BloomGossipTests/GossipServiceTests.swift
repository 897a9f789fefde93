import BloomBus
import BloomCore
import BloomGossip
import BloomWire
import Testing

/// The service in-process against the mock bus (real ZeroMQ client and forwarder). Serialized: each test runs
/// an ensemble thread and a bus loop, and the machine has two cores.
@Suite(.serialized) struct GossipServiceTests {
    static let idle = MiningConfiguration(miner: .quick, mine: false)

    @Test func getPhase_fromMockPeer_isAnsweredWithOurEnsembleOnP2POut() async throws {
        let harness = try await ServiceHarness.start(gossip: GossipConfiguration(strategy: .bloom), mining: Self.idle)
        let out = try await harness.drain(Fixtures.alice)
        let message = try PhaseMessage(decoding: out.payload)
        #expect(message.phases.count == 63)
        try await harness.stop()
    }

    @Test func phase_fromMockPeers_isStoredMergedAndReported() async throws {
        let harness = try await ServiceHarness.start(mining: Self.idle)
        harness.mock.publish(
            .p2pPeer,
            PeerEvent.connected(.init(peer: PeerID(rawValue: Fixtures.alice.raw), address: "127.0.0.11:7618",
                                      direction: .outbound, version: 1, height: 0, services: 7, listenPort: 7618)),
            as: ServiceHarness.net
        )
        let phases = Fixtures.bunched(63)
        harness.fromPeer(Fixtures.alice, .phase, Fixtures.honestPhase(phases))
        harness.fromPeer(Fixtures.bob, .coherence, Fixtures.coherence(r: 0.5, psi: 1))
        _ = try await harness.drain(Fixtures.alice)
        _ = try await harness.drain(Fixtures.bob)
        let report = await harness.service.coherenceReport()
        #expect(report.networkPeers == 1)
        #expect(report.network.r == OrderParameter.compute(phases.map { Double(Float($0)) }).r)
        #expect(report.reportedCoherence == 0.5)
        let alice = try #require(report.peers.first { $0.id == Fixtures.alice.hex })
        #expect(alice.address == "127.0.0.11:7618")
        try await harness.stop()
    }

    @Test(arguments: [
        ("wrong n", [0, 0, 0, 63, 0, 0, 0, 0, 0, 0, 0, 0] as [UInt8]),
        ("NaN phase", PhaseMessage(r: 0.5, psi: 1, phases: [0.1, .nan]).encoded()),
        ("truncated", Array(Fixtures.honestPhase(Fixtures.bunched(63)).dropLast(1))),
    ])
    func badPhase_fromMockPeer_isPenalisedOnP2PCtl(label: String, payload: [UInt8]) async throws {
        let harness = try await ServiceHarness.start(mining: Self.idle)
        harness.fromPeer(Fixtures.carol, .phase, payload)
        let (_, order) = try await harness.mock.next(P2PControl.self, topic: .p2pControl)
        guard case .penalise(let peer, let points, _) = order else {
            Issue.record("\(label): expected a penalty, got \(order)")
            return
        }
        #expect(peer == PeerID(rawValue: Fixtures.carol.raw))
        #expect(points == 1)
        let report = await harness.service.coherenceReport()
        #expect(report.networkPeers == 0, "\(label)")
        try await harness.stop()
    }

    @Test func mining_onATip_publishesGossipSealed_andItsBloomOnceItIsTheTip() async throws {
        let mining = MiningConfiguration(miner: .quick, mine: true, minBlockInterval: 1)
        let harness = try await ServiceHarness.start(mining: mining)
        let tip = ChainTip(height: 3, hash: Fixtures.hash(0x44), parentHash: .zero, certificateHash: .zero)
        harness.mock.publish(.chainTip, tip, as: SenderID(service: .sync, replica: 0, bootID: 9))
        let (_, sealed) = try await harness.nextSeal()
        #expect(sealed.prevHash == tip.hash)
        let certificate = try ConsensusCertificate(decoding: sealed.certificate)
        #expect(certificate.verify() == nil)
        #expect(sealed.oscillatorCount == 63)
        #expect(sealed.orderParameter == certificate.rValues.last)
        let sync = SenderID(service: .sync, replica: 0, bootID: 9)
        // bloom-sync stored the block built on our seal: it is the new tip, so our BLOOM goes out.
        let ours = ChainTip(
            height: 4,
            hash: Fixtures.hash(0x45),
            parentHash: tip.hash,
            certificateHash: certificate.digest
        )
        harness.mock.publish(.chainTip, ours, as: sync)
        while true {
            let (_, out) = try await harness.mock.next(P2POut.self, topic: .p2pOut)
            if out.messageType == MessageType.bloom.rawValue {
                #expect(out.payload == sealed.certificate)
                #expect(out.target == .all)
                break
            }
        }
        try await harness.stop()
    }

    @Test
    func newTip_restartsTheAttempt_andSealsOnIt() async throws {
        let mining = MiningConfiguration(miner: .quick, mine: true, minBlockInterval: 1)
        let harness = try await ServiceHarness.start(mining: mining)
        let sync = SenderID(service: .sync, replica: 0, bootID: 9)
        harness.mock.publish(
            .chainTip,
            ChainTip(height: 3, hash: Fixtures.hash(0x44), parentHash: .zero, certificateHash: .zero),
            as: sync
        )
        _ = try await harness.nextSeal()
        harness.clock.advance(by: 2)  // past the minimum interval
        let other = ChainTip(height: 4, hash: Fixtures.hash(0x55), parentHash: .zero, certificateHash: .zero)
        harness.mock.publish(.chainTip, other, as: sync)
        let (_, second) = try await harness.nextSeal()
        #expect(second.prevHash == other.hash)
        try await harness.stop()
    }

    @Test func tipInASyncHeartbeat_isMinedOn() async throws {
        let mining = MiningConfiguration(miner: .quick, mine: true, minBlockInterval: 1)
        let harness = try await ServiceHarness.start(mining: mining)
        let tip = ChainTip(height: 8, hash: Fixtures.hash(0x66), parentHash: .zero, certificateHash: .zero)
        let beat = Heartbeat(service: "bloom-sync", replica: 0, pid: 1, bootID: 5, state: .ready, tip: tip)
        harness.mock.publish(.serviceHeartbeat, beat, as: SenderID(service: .sync, replica: 0, bootID: 5))
        let (_, sealed) = try await harness.nextSeal()
        #expect(sealed.prevHash == tip.hash)
        try await harness.stop()
    }

    @Test func netReplicaWithANewBootID_losesItsPeers() async throws {
        let harness = try await ServiceHarness.start(mining: Self.idle)
        let replica = Fixtures.alice.replica
        let net = { (boot: UInt32) in
            Heartbeat(service: "bloom-net", replica: replica, pid: 10, bootID: boot, state: .ready)
        }
        harness.mock.publish(.serviceHeartbeat, net(0x42), as: SenderID(service: .net, replica: replica, bootID: 0x42))
        harness.fromPeer(Fixtures.alice, .coherence, Fixtures.coherence(r: 0.5, psi: 1))
        harness.fromPeer(Fixtures.carol, .coherence, Fixtures.coherence(r: 0.5, psi: 1))
        _ = try await harness.drain(Fixtures.carol)
        let before = await harness.service.coherenceReport().peers.map(\.id)
        #expect(before.contains(Fixtures.alice.hex))
        harness.mock.publish(.serviceHeartbeat, net(0x43), as: SenderID(service: .net, replica: replica, bootID: 0x43))
        _ = try await harness.drain(Fixtures.carol)
        let after = await harness.service.coherenceReport().peers.map(\.id)
        #expect(!after.contains(Fixtures.alice.hex))
        #expect(after.contains(Fixtures.carol.hex))
        try await harness.stop()
    }

    @Test func validBloom_givesGossipExpectAndRelay_invalidGivesPenaltyOnly() async throws {
        let harness = try await ServiceHarness.start(mining: Self.idle)
        var invalid = try ConsensusCertificate(decoding: Fixtures.validCertificatePayload())
        invalid.threshold = 0.5
        harness.fromPeer(Fixtures.bob, .bloom, invalid.encoded())
        let (_, order) = try await harness.mock.next(P2PControl.self, topic: .p2pControl)
        guard case .penalise(let peer, _, let reason) = order else {
            Issue.record("expected a penalty, got \(order)")
            return
        }
        #expect(peer == PeerID(rawValue: Fixtures.bob.raw))
        #expect(reason == "bloom_cert_threshold_not_zc")
        let payload = try Fixtures.validCertificatePayload()
        harness.fromPeer(Fixtures.alice, .bloom, payload)
        let (_, expect) = try await harness.mock.next(GossipExpect.self, topic: .gossipExpect)
        #expect(expect.announcer == PeerID(rawValue: Fixtures.alice.raw))
        #expect(expect.certificateHash == SeenCertificates.key(of: payload))
        while true {
            let (_, out) = try await harness.mock.next(P2POut.self, topic: .p2pOut)
            if out.messageType == MessageType.bloom.rawValue {
                #expect(out.target == .allExcept(PeerID(rawValue: Fixtures.alice.raw)))
                #expect(out.payload == payload)
                break
            }
        }
        // The invalid BLOOM produced nothing but its penalty: one expect in all, no BLOOM relay of it.
        let expects = harness.mock.recorded.filter { $0.topic == .gossipExpect }
        #expect(expects.count == 1)
        let relays = harness.mock.recorded.filter { $0.topic == .p2pOut }.compactMap { try? $0.decode(P2POut.self) }
            .filter { $0.messageType == MessageType.bloom.rawValue }
        #expect(relays.count == 1)
        try await harness.stop()
    }

    @Test func inconsistentPeer_endsWithAWorseScoreThanAnHonestOne_andIsPenalised() async throws {
        let harness = try await ServiceHarness.start(mining: Self.idle)
        let phases = Fixtures.spread(63)
        for _ in 0..<8 {
            harness.fromPeer(Fixtures.alice, .phase, Fixtures.honestPhase(phases))
            harness.fromPeer(Fixtures.bob, .phase, Fixtures.phase(phases, claiming: 0.95))
        }
        _ = try await harness.drain(Fixtures.alice)
        _ = try await harness.drain(Fixtures.bob)
        var penalisedBob = false
        while !penalisedBob {
            let (_, order) = try await harness.mock.next(P2PControl.self, topic: .p2pControl)
            if case .penalise(let peer, _, let reason) = order, peer == PeerID(rawValue: Fixtures.bob.raw) {
                #expect(reason == "inconsistent_r")
                penalisedBob = true
            }
        }
        var scores: [PeerID: Double] = [:]
        while scores.count < 2 {
            harness.clock.advance(by: 1)
            let (_, score) = try await harness.mock.next(GossipScore.self, topic: .gossipScore)
            scores[score.peer] = score.score
        }
        let honest = try #require(scores[PeerID(rawValue: Fixtures.alice.raw)])
        let liar = try #require(scores[PeerID(rawValue: Fixtures.bob.raw)])
        #expect(liar < honest)
        #expect(liar < 0)
        #expect(honest >= 0)
        try await harness.stop()
    }
}
