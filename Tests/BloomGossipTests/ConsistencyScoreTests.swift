import BloomCore
import BloomGossip
import BloomTestSupport
import BloomWire
import Testing

@Suite(.dedicatedThread) struct ConsistencyScoreTests {
    @Test func honestPeer_scoresAboveNeutral_liarScoresBelowAndIsPenalised() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let phases = Fixtures.spread(63)  // r ≈ 0
        var liarPenalties: [(GossipPeer, Int, String)] = []
        for second in 0..<10 {
            let now = Double(second)
            let honest = engine.receive(type: .phase, payload: Fixtures.honestPhase(phases), from: Fixtures.alice,
                                        now: now)
            #expect(honest.isEmpty)
            // Claims to be blooming while carrying incoherent phases.
            let lie = engine.receive(type: .phase, payload: Fixtures.phase(phases, claiming: 0.95),
                                     from: Fixtures.bob, now: now)
            liarPenalties += Fixtures.penalties(lie)
        }
        let honestScore = try #require(engine.score(of: Fixtures.alice, now: 10))
        let liarScore = try #require(engine.score(of: Fixtures.bob, now: 10))
        #expect(honestScore > 0)
        #expect(liarScore < engine.configuration.score.penaltyThreshold)
        #expect(liarScore < honestScore)
        #expect(!liarPenalties.isEmpty)
        #expect(liarPenalties.allSatisfy { $0.0 == Fixtures.bob && $0.2 == "inconsistent_r" })
        // Below the listen threshold the liar's phases leave the network view; the honest peer's stay.
        #expect(engine.networkView(now: 10).peerCount == 1)
    }

    @Test func scores_arePublishedForEveryPeerEveryFiveSeconds() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.spread(63)), from: Fixtures.alice,
                           now: 0)
        _ = engine.receive(type: .phase, payload: Fixtures.phase(Fixtures.spread(63), claiming: 0.9),
                           from: Fixtures.bob, now: 0)
        let local = EnsembleSnapshot(phases: Fixtures.spread(63))
        var published: [Double: [GossipPeer]] = [:]
        for second in 0...10 {
            let scores = engine.tick(now: Double(second), local: local, mining: false).compactMap { action in
                if case .score(let peer, _) = action { return peer }
                return nil
            }
            if !scores.isEmpty { published[Double(second)] = scores }
        }
        #expect(published == [0: [Fixtures.alice, Fixtures.bob], 5: [Fixtures.alice, Fixtures.bob],
                              10: [Fixtures.alice, Fixtures.bob]])
    }

    @Test func evidence_decays_soAnOldLiarRecovers() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        for second in 0..<5 {
            _ = engine.receive(type: .phase, payload: Fixtures.phase(Fixtures.spread(63), claiming: 0.9),
                               from: Fixtures.bob, now: Double(second))
        }
        let fresh = try #require(engine.score(of: Fixtures.bob, now: 5))
        let later = try #require(engine.score(of: Fixtures.bob, now: 300))
        #expect(fresh < -10)
        #expect(later > fresh)
        #expect(later >= engine.configuration.score.listenThreshold)
    }

    @Test func rJump_fasterThanTheDynamics_isEvidence_slowRiseIsNot() throws {
        var engine = GossipEngine(configuration: GossipConfiguration())
        let low = Fixtures.spread(63)
        let high = Fixtures.bunched(63)
        // Honest pace: from r ≈ 0 to ≈ 1 over a second.
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(low), from: Fixtures.alice, now: 0)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(high), from: Fixtures.alice, now: 1)
        // Too fast: the same rise within 100 ms.
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(low), from: Fixtures.bob, now: 0)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(high), from: Fixtures.bob, now: 0.1)
        let counters = try #require(engine.peers[Fixtures.bob]?.counters)
        #expect(counters.count(.impossibleJump) == 1)
        #expect(engine.peers[Fixtures.alice]?.counters.count(.impossibleJump) == 0)
        // A COHERENCE report counts as a report too.
        _ = engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0.05, psi: 0), from: Fixtures.carol,
                           now: 0)
        _ = engine.receive(type: .coherence, payload: Fixtures.coherence(r: 0.95, psi: 0), from: Fixtures.carol,
                           now: 0.2)
        #expect(engine.peers[Fixtures.carol]?.counters.count(.impossibleJump) == 1)
    }

    @Test func rDrop_isNeverEvidence() {
        var engine = GossipEngine(configuration: GossipConfiguration())
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.bunched(63)), from: Fixtures.alice,
                           now: 0)
        _ = engine.receive(type: .phase, payload: Fixtures.honestPhase(Fixtures.spread(63)), from: Fixtures.alice,
                           now: 0.01)
        #expect(engine.peers[Fixtures.alice]?.counters.count(.impossibleJump) == 0)
    }

    @Test func rules_toleratePossibleDownsamplesMoreThanFullVectors() {
        let rules = ConsistencyRules()
        let sample = Fixtures.spread(70)
        let r = OrderParameter.compute(sample).r
        #expect(rules.checkClaimedR(r + 0.1, phases: sample).consistent)
        #expect(!rules.checkClaimedR(r + 0.3, phases: sample).consistent)
        let full = Fixtures.spread(63)
        #expect(!rules.checkClaimedR(OrderParameter.compute(full).r + 0.02, phases: full).consistent)
    }

    @Test func counters_squareRepeatedBadEvidence() {
        let parameters = ConsistencyScoreParameters()
        var counters = ConsistencyCounters(now: 0)
        counters.add(.inconsistentR)
        let one = counters.score(parameters)
        counters.add(.inconsistentR)
        let two = counters.score(parameters)
        #expect(one == -1)
        #expect(two == -4)
        var good = ConsistencyCounters(now: 0)
        for _ in 0..<50 { good.add(.consistentReport) }
        #expect(good.score(parameters) == parameters.consistentWeight * parameters.consistentCap)
    }
}
