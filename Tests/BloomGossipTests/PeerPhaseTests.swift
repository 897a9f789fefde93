import BloomTestSupport
import Foundation
import BloomCore
import BloomGossip
import BloomWire
import Testing

@Suite(.dedicatedThread) struct PeerPhaseTests {
    static let local = EnsembleSnapshot(phases: Fixtures.bunched(63, center: 2.0))

    @Test func phase_fromPeer_isStoredWidenedAndMergedIntoTheNetworkView() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let phases = Fixtures.bunched(63, center: 0.5)
        let actions = engine.receive(type: .phase, payload: Fixtures.honestPhase(phases), from: Fixtures.alice, now: 1)
        #expect(actions.isEmpty)
        let stored = try #require(engine.peers[Fixtures.alice]?.phase)
        #expect(stored.phases == phases.map { Double(Float($0)) })
        #expect(stored.receivedAt == 1)
        let view = engine.networkView(now: 2)
        #expect(view.peerCount == 1)
        #expect(view.phases == stored.phases)
        #expect(abs(view.r - OrderParameter.compute(stored.phases).r) == 0)
    }

    @Test func networkView_ofTwoPeers_isMergePhaseStatesInPeerOrder() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let a = Fixtures.bunched(63, center: 0.5)
        let b = Fixtures.bunched(63, center: 1.5)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(b), from: Fixtures.bob, now: 1)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(a), from: Fixtures.alice, now: 1)
        let widenedA = a.map { Double(Float($0)) }
        let widenedB = b.map { Double(Float($0)) }
        let expected = try PhaseMixing.mergePhaseStates([
            PhaseState(phases: widenedA, rClaimed: 0, weight: 1),
            PhaseState(phases: widenedB, rClaimed: 0, weight: 1),
        ])
        let view = engine.networkView(now: 1)
        #expect(view.phases == expected.phases)
        #expect(view.r == expected.r)
    }

    @Test func phaseState_olderThanStaleLimit_leavesTheViewAndIsExpiredAtTick() {
        var engine = GossipEngine(configuration: GossipConfiguration(staleAfter: 30))
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.bunched(63)), from: Fixtures.alice,
                           now: 0)
        #expect(engine.networkView(now: 30).peerCount == 1)
        #expect(engine.networkView(now: 30.5).peerCount == 0)
        _ = engine.tick(now: 31, local: Self.local, mining: false)
        #expect(engine.peers[Fixtures.alice]?.phase == nil)
        #expect(engine.peers[Fixtures.alice] != nil)
    }

    @Test func getPhase_isAnsweredAtTheNextTickWithOurEnsemble() throws {
        var engine = GossipEngine(configuration: GossipConfiguration(strategy: .threshold))
        _ = engine.tick(now: 0, local: EnsembleSnapshot(phases: Fixtures.spread(63)), mining: false)
        #expect(engine.receive(type: .getPhase, payload: [], from: Fixtures.alice, now: 0.2).isEmpty)
        #expect(engine.tick(now: 0.5, local: Self.local, mining: false).isEmpty)
        // r of `local` is ≈ 1, a rise above 0.05 from the last share: the threshold strategy broadcasts, which
        // answers Alice too. Use a second request on a silent tick to see a direct answer.
        let first = Fixtures.sends(engine.tick(now: 1, local: Self.local, mining: false))
        #expect(first.map(\.2) == [.all])
        _ = engine.receive(type: .getPhase, payload: [], from: Fixtures.alice, now: 1.1)
        let second = Fixtures.sends(engine.tick(now: 2, local: Self.local, mining: false))
        #expect(second.count == 1)
        let (type, payload, target) = try #require(second.first)
        #expect(type == .phase)
        #expect(target == .peer(Fixtures.alice))
        let message = try PhaseMessage(decoding: payload)
        #expect(message.phases == Self.local.phases.map(Float.init))
        #expect(message.r == Float(Self.local.r))
    }

    @Test func phaseSent_ofAnEnsembleAbove256_isDownsampledAsSpec71() throws {
        var engine = GossipEngine(configuration: GossipConfiguration(strategy: .eager))
        let big = EnsembleSnapshot(phases: Fixtures.bunched(300))
        let sends = Fixtures.sends(engine.tick(now: 0, local: big, mining: false))
        let payload = try #require(sends.first?.1)
        let message = try PhaseMessage(decoding: payload)
        let indices = PhaseMessage.selectedIndices(count: 300)
        #expect(message.phases.count == indices.count)
        #expect(message.phases == indices.map { Float(big.phases[$0]) })
        #expect(message.phases.count < 300)
    }

    @Test(arguments: [
        ("n = 0", PhaseMessage(r: 0.5, psi: 1, phases: []).encoded()),
        ("n = 10000", [0, 0, 0, 63, 0, 0, 0, 0, 0x10, 0x27, 0, 0] as [UInt8]),
        ("truncated", Array(Fixtures.honestPhase(Fixtures.bunched(63)).dropLast(4))),
        ("header only", Array(Fixtures.honestPhase(Fixtures.bunched(63)).prefix(11))),
        ("NaN phase", PhaseMessage(r: 0.5, psi: 1, phases: [0.1, .nan, 0.3]).encoded()),
        ("infinite r", PhaseMessage(r: .infinity, psi: 1, phases: [0.1, 0.2]).encoded()),
        ("r above 1", PhaseMessage(r: 1.5, psi: 1, phases: [0.1, 0.2]).encoded()),
    ])
    func phase_malformed_isRejectedWithOnePointAndNotStored(label: String, payload: [UInt8]) {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let actions = engine.receive(type: .phase, payload: payload, from: Fixtures.alice, now: 1)
        let penalties = Fixtures.penalties(actions)
        #expect(penalties.count == 1, "\(label)")
        #expect(penalties.first?.0 == Fixtures.alice)
        #expect(penalties.first?.1 == 1)
        #expect(engine.peers[Fixtures.alice]?.phase == nil, "\(label)")
        #expect(actions.count == 1, "\(label): a penalty and nothing else")
    }

    @Test func phase_withTrailingBytes_isAccepted() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let payload = Fixtures.honestPhase(Fixtures.bunched(63)) + [1, 2, 3]
        #expect(engine.receive(type: .phase, payload: payload, from: Fixtures.alice, now: 1).isEmpty)
        #expect(engine.peers[Fixtures.alice]?.phase?.phases.count == 63)
    }

    @Test func phase_beyondSixtyAMinute_isDroppedWithAPointEach() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let payload = Fixtures.honestPhase(Fixtures.bunched(63))
        for i in 0..<60 {
            #expect(engine.receive(type: .phase, payload: payload, from: Fixtures.alice, now: 1).isEmpty, "\(i)")
        }
        let over = engine.receive(type: .phase, payload: payload, from: Fixtures.alice, now: 1)
        #expect(Fixtures.penalties(over).map(\.2) == ["phase_rate_limit"])
        // One token back after a second; other peers have their own buckets.
        #expect(engine.receive(type: .phase, payload: payload, from: Fixtures.alice, now: 2).isEmpty)
        #expect(engine.receive(type: .phase, payload: payload, from: Fixtures.bob, now: 1).isEmpty)
    }

    @Test func coherence_isStoredAndAveragedAsNetworkCoherence() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        #expect(engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0.5, psi: 1), from: Fixtures.alice,
                               now: 1).isEmpty)
        #expect(engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0.25, psi: 1) + [9],
                               from: Fixtures.bob, now: 1).isEmpty)
        #expect(engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0, psi: 1), from: Fixtures.carol,
                               now: 1).isEmpty)
        #expect(engine.peers[Fixtures.alice]?.coherence?.r == 0.5)
        // get_network_coherence: mean of the values > 0.
        #expect(engine.networkView(now: 1).meanReportedCoherence == 0.375)
    }

    @Test(arguments: [
        ("short", [0, 0, 0, 63] as [UInt8]),
        ("NaN r", Fixtures.coherence(r: .nan, psi: 1)),
        ("infinite psi", Fixtures.coherence(r: 0.5, psi: -.infinity)),
        ("negative r", Fixtures.coherence(r: -0.1, psi: 1)),
        ("r above 1", Fixtures.coherence(r: 1.01, psi: 1)),
    ])
    func coherence_malformed_isRejectedWithOnePoint(label: String, payload: [UInt8]) {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let actions = engine.receive(type: .coherence, payload: payload, from: Fixtures.alice, now: 1)
        #expect(Fixtures.penalties(actions).map(\.1) == [1], "\(label)")
        #expect(engine.peers[Fixtures.alice]?.coherence == nil)
    }

    @Test func peerGone_forgetsItsStateAndPendingRequest() {
        var engine = GossipEngine(configuration: GossipConfiguration(strategy: .threshold))
        engine.peerConnected(Fixtures.alice, address: "127.0.0.10:7618", now: 0)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.bunched(63)), from: Fixtures.alice,
                           now: 0)
        _ = engine.receive(type: .getPhase, payload: [], from: Fixtures.alice, now: 0)
        engine.peerGone(Fixtures.alice)
        #expect(engine.peers[Fixtures.alice] == nil)
        let sends = Fixtures.sends(engine.tick(now: 1, local: EnsembleSnapshot(phases: Fixtures.spread(63)),
                                               mining: false))
        #expect(sends.filter { $0.0 == .phase }.isEmpty)
    }

    @Test func silentPeer_isForgottenAfterTheLimit_activeOneIsKept() {
        var engine = GossipEngine(configuration: GossipConfiguration(forgetAfter: 100))
        engine.peerConnected(Fixtures.alice, address: nil, now: 0)
        engine.peerConnected(Fixtures.bob, address: nil, now: 0)
        _ = engine.receive(type: .getPhase, payload: [], from: Fixtures.bob, now: 90)
        _ = engine.tick(now: 150, local: Self.local, mining: false)
        #expect(engine.peers[Fixtures.alice] == nil)
        #expect(engine.peers[Fixtures.bob] != nil)
    }

    @Test func replicaRestart_dropsThatReplicasPeersOnly() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        engine.peerConnected(Fixtures.alice, address: nil, now: 0)
        engine.peerConnected(Fixtures.carol, address: nil, now: 0)
        engine.replicaRestarted(Fixtures.alice.replica)
        #expect(engine.peers[Fixtures.alice] == nil)
        #expect(engine.peers[Fixtures.carol] != nil)
    }

    @Test func unknownType_isIgnored() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        #expect(engine.receive(type: .tx, payload: [1, 2, 3], from: Fixtures.alice, now: 0).isEmpty)
        #expect(engine.receive(type: MessageType(rawValue: 0x99), payload: [], from: Fixtures.alice, now: 0).isEmpty)
    }

    @Test func tick_whileMining_incorporatesTheNetworkViewWithTheConfiguredWeight() throws {
        var engine = GossipEngine(configuration: GossipConfiguration(incorporateWeight: 0.25))
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.bunched(63)), from: Fixtures.alice,
                           now: 0)
        let idle = engine.tick(now: 0, local: Self.local, mining: false)
        #expect(!idle.contains { if case .incorporate = $0 { true } else { false } })
        let actions = engine.tick(now: 1, local: Self.local, mining: true)
        let mix = actions.compactMap { action -> ([Double], Double)? in
            if case .incorporate(let phases, let weight) = action { return (phases, weight) }
            return nil
        }
        #expect(mix.count == 1)
        #expect(mix.first?.0 == engine.networkView(now: 1).phases)
        #expect(mix.first?.1 == 0.25)
        // No new PHASE since: the same view is not mixed in again; a new one is.
        let unchanged = engine.tick(now: 2, local: Self.local, mining: true)
        #expect(!unchanged.contains { if case .incorporate = $0 { true } else { false } })
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.bunched(63, center: 0.3)),
                           from: Fixtures.bob, now: 2.5)
        let changed = engine.tick(now: 3, local: Self.local, mining: true)
        #expect(changed.contains { if case .incorporate = $0 { true } else { false } })
    }

    @Test func coherenceReport_listsLocalNetworkAndPeersAsJSON() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        engine.peerConnected(Fixtures.alice, address: "127.0.0.11:7618", now: 0)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.bunched(63)), from: Fixtures.alice,
                           now: 1)
        engine.peerConnected(Fixtures.bob, address: nil, now: 1)
        let status = EnsembleStatus(snapshot: Self.local, mining: true, rounds: 10, attempts: 2,
                                    attemptsPerSecond: 3, roundsPerSecond: 100)
        let report = engine.coherenceReport(now: 1.5, status: status)
        #expect(report.local.r == Self.local.r)
        #expect(report.network.r == engine.networkView(now: 1.5).r)
        #expect(report.peers.map { $0.id } == [Fixtures.alice.hex, Fixtures.bob.hex])
        #expect(report.peers.first?.ageSeconds == 0.5)
        #expect(report.peers.last?.r == nil)
        let object = try JSONSerialization.jsonObject(with: try report.jsonData())
        let json = try #require(object as? [String: Any])
        let local = try #require(json["local"] as? [String: Any])
        let localR = try #require(local["r"] as? Double)
        // Foundation's JSON number text may round the last bit.
        #expect(abs(localR - Self.local.r) < 1e-12)
        let mining = json["mining"] as? Bool
        #expect(mining == true)
        let peers = try #require(json["peers"] as? [[String: Any]])
        #expect(peers.count == 2)
        let first = peers[0]
        let last = peers[1]
        let address = first["address"] as? String
        let age = first["age_s"] as? Double
        #expect(address == "127.0.0.11:7618")
        #expect(age == 0.5)
        #expect(first["score"] is Double)
        #expect(last["address"] is NSNull)
    }
}
