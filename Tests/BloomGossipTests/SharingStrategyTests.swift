import BloomCore
import BloomGossip
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct SharingStrategyTests {
    /// Ticks once a second along `trajectory` and returns the ticks (indices) that broadcast PHASE.
    static func broadcasts(_ strategy: SharingStrategy, _ trajectory: [Double]) -> [Int] {
        var sharing = PhaseSharing(strategy: strategy)
        return trajectory.enumerated().compactMap { index, r in
            let decision = sharing.tick(now: Double(index), r: r)
            return decision?.broadcastPhase == true ? index : nil
        }
    }

    static let zC = BloomConstants.zC
    /// Low, rising slowly, approaching Z_C, near it, then collapsing after a new tip.
    static let trajectory: [Double] = [0.10, 0.12, 0.20, 0.22, 0.50, 0.70, 0.70, 0.71, zC - 0.15, zC - 0.12,
                                       zC - 0.05, zC - 0.04, 0.95, 0.30, 0.31]

    @Test func eager_sharesEveryTick() {
        #expect(Self.broadcasts(.eager, Self.trajectory) == Array(0..<Self.trajectory.count))
    }

    @Test func threshold_sharesOnlyOnRiseAboveFiveHundredths() {
        // 0.10 (+0.10 from 0) share; 0.12 no; 0.20 (+0.10) share; 0.22 no; 0.50 share; 0.70 share; 0.70, 0.71 no;
        // zC−0.15 ≈ 0.716 (+0.016) no; zC−0.12 ≈ 0.746 (+0.046) no; zC−0.05 ≈ 0.816 (+0.116) share;
        // zC−0.04 no; 0.95 share; 0.30 (fall) no; 0.31 no.
        #expect(Self.broadcasts(.threshold, Self.trajectory) == [0, 2, 4, 5, 10, 12])
    }

    @Test func bloom_sharesNearZcOrApproachingWithRise() {
        // Near: r > zC − 0.1 at ticks 10, 11, 12. Approaching (r > zC − 0.2 ≈ 0.666) with a rise > 0.02 since the
        // last share (last_shared_r starts at 0): tick 5 (0.70); tick 6 and 7 no (rise 0, 0.01); tick 8
        // (zC − 0.15 ≈ 0.716, +0.016) no; tick 9 (zC − 0.12 ≈ 0.746, +0.046) yes.
        #expect(Self.broadcasts(.bloom, Self.trajectory) == [5, 9, 10, 11, 12])
    }

    @Test func tick_whenCalledSoonerThanOneSecond_doesNothingAndKeepsRequestsPending() {
        var sharing = PhaseSharing(strategy: .eager)
        #expect(sharing.tick(now: 10, r: 0.9)?.broadcastPhase == true)
        sharing.phaseRequested(by: Fixtures.alice)
        #expect(sharing.tick(now: 10.5, r: 0.9) == nil)
        #expect(sharing.tick(now: 10.999, r: 0.9) == nil)
        #expect(sharing.pendingRequests == [Fixtures.alice])
        #expect(sharing.tick(now: 11.0, r: 0.9)?.broadcastPhase == true)
        #expect(sharing.pendingRequests.isEmpty)
    }

    @Test func getPhase_isAnsweredAtTheNextTick_oncePerPeer() {
        var sharing = PhaseSharing(strategy: .threshold)
        _ = sharing.tick(now: 0, r: 0.5)  // shares (rise from 0)
        sharing.phaseRequested(by: Fixtures.bob)
        sharing.phaseRequested(by: Fixtures.alice)
        sharing.phaseRequested(by: Fixtures.bob)
        let decision = sharing.tick(now: 1, r: 0.5)
        #expect(decision?.broadcastPhase == false)
        #expect(decision?.answer == [Fixtures.alice, Fixtures.bob])
        #expect(sharing.tick(now: 2, r: 0.5)?.answer == [])
    }

    @Test func getPhase_fromGonePeer_isNotAnswered() {
        var sharing = PhaseSharing(strategy: .threshold)
        _ = sharing.tick(now: 0, r: 0.5)
        sharing.phaseRequested(by: Fixtures.alice)
        sharing.peerGone(Fixtures.alice)
        #expect(sharing.tick(now: 1, r: 0.5)?.answer == [])
    }

    @Test func shareFloor_whenTicksAreFasterThan618ms_stillSharesAtMostEvery618ms() {
        let configuration = PhaseSharingConfiguration(tickInterval: 0.2, minShareInterval: 0.618)
        var sharing = PhaseSharing(strategy: .eager, configuration: configuration)
        var shareTimes: [Double] = []
        for step in 0...20 {
            let now = Double(step) * 0.2
            if sharing.tick(now: now, r: 0.5)?.broadcastPhase == true { shareTimes.append(now) }
        }
        #expect(shareTimes.count > 1)
        for (a, b) in zip(shareTimes, shareTimes.dropFirst()) { #expect(b - a >= 0.618) }
    }

    @Test func coherence_isAnnouncedAfterTenSilentSeconds() {
        var sharing = PhaseSharing(strategy: .bloom)
        var announced: [Int] = []
        for second in 0...25 where sharing.tick(now: Double(second), r: 0.1)?.broadcastCoherence == true {
            announced.append(second)
        }
        #expect(announced == [0, 10, 20])
    }

    @Test func coherence_isNotAnnouncedWhilePhasesAreShared() {
        var sharing = PhaseSharing(strategy: .eager)
        for second in 0...25 { #expect(sharing.tick(now: Double(second), r: 0.1)?.broadcastCoherence == false) }
    }
}

@Suite(.dedicatedThread) struct PhaseRateInvariantTests {
    /// Polls the engine every 0.1–0.3 s for a minute, with GETPHASE from three peers at random and r wandering,
    /// and checks that each peer receives at most one PHASE (broadcast or answer) per second.
    @Test(arguments: SharingStrategy.allCases)
    func noPeer_getsMoreThanOnePhasePerSecond(strategy: SharingStrategy) {
        var generator = SplitMix64(seed: 42)
        var engine = GossipEngine(configuration: GossipConfiguration(strategy: strategy))
        let peers = [Fixtures.alice, Fixtures.bob, Fixtures.carol]
        for peer in peers { engine.peerConnected(peer, address: nil, now: 0) }
        var lastPhase: [GossipPeer: Double] = [:]
        var sent = 0
        var now = 0.0
        while now < 60 {
            now += Double.random(in: 0.1...0.3, using: &generator)
            for peer in peers where Bool.random(using: &generator) {
                _ = engine.receive(type: .getPhase, payload: [], from: peer, now: now)
            }
            let center = Double.random(in: 0...6, using: &generator)
            let width = Double.random(in: 0.1...6, using: &generator)
            let local = EnsembleSnapshot(phases: Fixtures.bunched(63, center: center, width: width))
            for (type, _, target) in Fixtures.sends(engine.tick(now: now, local: local, mining: false))
            where type == .phase {
                let receivers: [GossipPeer]
                switch target {
                case .all: receivers = peers
                case .peer(let peer): receivers = [peer]
                case .allExcept(let skipped): receivers = peers.filter { $0 != skipped }
                }
                for peer in receivers {
                    if let last = lastPhase[peer] { #expect(now - last >= 1, "\(strategy) \(peer) at \(now)") }
                    lastPhase[peer] = now
                    sent += 1
                }
            }
        }
        #expect(sent > 0)
    }
}
