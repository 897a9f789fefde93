import BloomCore
import BloomTestSupport
import Testing

/// incorporate_peer_phases and merge_phase_states (spec §7.5, §7.6).
@Suite(.dedicatedThread) struct PhaseMixingTests {
    static let local = [0.1, 1.2, 2.3, 3.4, 4.5, 5.6]
    static let peer = [6.0, 0.4, 2.9, 3.1, 1.0, 0.2, 5.5]

    static func angleDistance(_ a: Double, _ b: Double) -> Double {
        abs((a - b).remainder(dividingBy: BloomConstants.twoPi))
    }

    @Test(arguments: [-0.1, 1.1, -Double.infinity, Double.infinity, -Double.leastNonzeroMagnitude])
    func incorporate_weightOutsideZeroOne_throws(weight: Double) {
        #expect(throws: PhaseMixingError.weightOutOfRange(weight)) {
            try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: Self.peer, weight: weight)
        }
    }

    @Test func incorporate_nanWeight_throws() {
        #expect(throws: PhaseMixingError.weightIsNaN) {
            try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: Self.peer, weight: .nan)
        }
    }

    @Test func incorporate_badWeight_isCheckedBeforeEmptiness() {
        #expect(throws: PhaseMixingError.weightOutOfRange(2)) {
            try PhaseMixing.incorporatePeerPhases(local: [], peer: [], weight: 2)
        }
    }

    @Test func incorporate_emptyLocalOrPeer_returnsLocalUnchanged() throws {
        #expect(try PhaseMixing.incorporatePeerPhases(local: [], peer: Self.peer, weight: 0.5).isEmpty)
        let unchanged = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: [], weight: 0.5)
        #expect(unchanged.map(\.bitPattern) == Self.local.map(\.bitPattern))
    }

    @Test func incorporate_weightZeroOrOne_landsOnLocalOrPeer() throws {
        let peer = Array(Self.peer.prefix(Self.local.count))
        let zero = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: peer, weight: 0)
        let one = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: peer, weight: 1)
        for i in Self.local.indices {
            #expect(Self.angleDistance(zero[i], Self.local[i]) <= 1e-12)
            #expect(Self.angleDistance(one[i], peer[i]) <= 1e-12)
        }
    }

    @Test func incorporate_halfWeight_givesTheCircularMidpoint() throws {
        let mixed = try PhaseMixing.incorporatePeerPhases(local: [0.2, 6.0], peer: [0.6, 0.4], weight: 0.5)
        #expect(abs(mixed[0] - 0.4) <= 1e-12)
        // 6.0 and 0.4 straddle 0: the midpoint lies across it, near 0.0584.
        let expected = (6.0 + 0.4 + BloomConstants.twoPi) / 2 - BloomConstants.twoPi
        #expect(Self.angleDistance(mixed[1], expected) <= 1e-12)
    }

    @Test func incorporate_outputStaysWithinZeroAndTwoPi() throws {
        let mixed = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: Self.peer, weight: 0.3)
        #expect(mixed.count == Self.local.count)
        #expect(mixed.allSatisfy { $0 >= 0 && $0 <= BloomConstants.twoPi })
    }

    @Test func incorporate_oneLocalPhase_usesThePeersFirst() throws {
        let many = try PhaseMixing.incorporatePeerPhases(local: [1.0], peer: Self.peer, weight: 0.4)
        let first = try PhaseMixing.incorporatePeerPhases(local: [1.0], peer: [Self.peer[0]], weight: 0.4)
        #expect(many.map(\.bitPattern) == first.map(\.bitPattern))
    }

    @Test func incorporate_differentCounts_mixesWithTheResampledPeer() throws {
        let indices = PhaseMixing.resampleIndices(localCount: Self.local.count, peerCount: Self.peer.count)
        let resampled = indices.map { Self.peer[$0] }
        let direct = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: Self.peer, weight: 0.25)
        let viaIndices = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: resampled, weight: 0.25)
        #expect(direct.map(\.bitPattern) == viaIndices.map(\.bitPattern))
    }

    @Test func resampleIndices_followIntOfLinspace() {
        #expect(PhaseMixing.resampleIndices(localCount: 1, peerCount: 6) == [0])
        #expect(PhaseMixing.resampleIndices(localCount: 5, peerCount: 1) == [0, 0, 0, 0, 0])
        #expect(PhaseMixing.resampleIndices(localCount: 3, peerCount: 3) == [0, 1, 2])
        // step 4/7: 0, 0.57, 1.14, 1.71, 2.29, 2.86, 3.43, then the endpoint 4.
        #expect(PhaseMixing.resampleIndices(localCount: 8, peerCount: 5) == [0, 0, 1, 1, 2, 2, 3, 4])
        // step 9/3 = 3 exactly.
        #expect(PhaseMixing.resampleIndices(localCount: 4, peerCount: 10) == [0, 3, 6, 9])
        #expect(PhaseMixing.resampleIndices(localCount: 0, peerCount: 4).isEmpty)
        #expect(PhaseMixing.resampleIndices(localCount: 4, peerCount: 0).isEmpty)
    }

    @Test func merge_noStates_isEmptyWithRZero() throws {
        let merged = try PhaseMixing.mergePhaseStates([])
        #expect(merged.phases.isEmpty && merged.r == 0)
    }

    @Test func merge_oneState_keepsItsPhases_andIgnoresItsWeight() throws {
        for weight in [0.0, 1.0, 7.5] {
            let state = PhaseState(phases: Self.local, rClaimed: 0.99, weight: weight)
            let merged = try PhaseMixing.mergePhaseStates([state])
            #expect(merged.phases == Self.local)
            #expect(merged.r == OrderParameter.compute(Self.local).r)
        }
    }

    @Test func merge_skipsEmptyAndNonPositiveWeightStates() throws {
        let base = PhaseState(phases: Self.local, rClaimed: 0.5, weight: 1)
        let real = PhaseState(phases: Self.peer, rClaimed: 0.5, weight: 0.5)
        let expected = try PhaseMixing.mergePhaseStates([base, real])
        let withSkipped = try PhaseMixing.mergePhaseStates([
            base,
            PhaseState(phases: Self.peer, rClaimed: 0.9, weight: 0),
            PhaseState(phases: [], rClaimed: 0.9, weight: 3),
            PhaseState(phases: Self.peer, rClaimed: 0.9, weight: -1),
            PhaseState(phases: Self.peer, rClaimed: 0.9, weight: .nan),
            real,
        ])
        #expect(withSkipped.phases.map(\.bitPattern) == expected.phases.map(\.bitPattern))
        #expect(withSkipped.r.bitPattern == expected.r.bitPattern)
    }

    @Test func merge_weightsAccumulateFromATotalOfOne() throws {
        let a = PhaseState(phases: Self.local, rClaimed: 0, weight: 123)
        let b = PhaseState(phases: Self.peer, rClaimed: 0, weight: 0.5)
        let c = PhaseState(phases: [3.0, 2.0], rClaimed: 0, weight: 1.5)
        let step1 = try PhaseMixing.incorporatePeerPhases(local: Self.local, peer: Self.peer, weight: 0.5 / 1.5)
        let step2 = try PhaseMixing.incorporatePeerPhases(local: step1, peer: [3.0, 2.0], weight: 1.5 / 3.0)
        let merged = try PhaseMixing.mergePhaseStates([a, b, c])
        #expect(merged.phases.map(\.bitPattern) == step2.map(\.bitPattern))
        #expect(merged.r == OrderParameter.compute(step2).r)
    }

    @Test func merge_infiniteWeight_throwsLikeTheReference() {
        #expect(throws: PhaseMixingError.weightIsNaN) {
            try PhaseMixing.mergePhaseStates([
                PhaseState(phases: Self.local, rClaimed: 0, weight: 1),
                PhaseState(phases: Self.peer, rClaimed: 0, weight: .infinity),
            ])
        }
    }
}
