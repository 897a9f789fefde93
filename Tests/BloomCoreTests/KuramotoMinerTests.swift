import BloomCore
import BloomTestSupport
import Testing

/// The miner state machine and its configuration (spec §6.1, §6.2, §6.4).
@Suite(.dedicatedThread) struct KuramotoMinerTests {
    @Test func profiles_matchTheSpecDefaults() {
        let quick = MinerConfig.quick
        #expect(quick.oscillatorCount == 63 && quick.frequencyStd == 0.5 && quick.dt == 0.02)
        #expect(quick.maxRounds == 5000 && quick.maxNonceAttempts == 10 && quick.difficulty == 0.5)
        #expect(quick.baseCoupling == 2 * BloomConstants.k && quick.useAdaptive)
        let reference = MinerConfig.reference
        #expect(reference.oscillatorCount == 63 && reference.frequencyStd == 1.0 && reference.dt == 0.01)
        #expect(reference.maxRounds == 100_000 && reference.maxNonceAttempts == 1000 && reference.difficulty == 1.0)
        #expect(reference.baseCoupling == BloomConstants.k && reference.useAdaptive)
        #expect(reference.effectiveCoupling == BloomConstants.k)
        #expect(quick.bloomRule == .wireSafe && reference.bloomRule == .wireSafe)
        // The node mines with the O(N) form; only a replay of the reference asks for the pairwise sums.
        #expect(quick.couplingSum == .meanField && reference.couplingSum == .meanField)
        #expect(MinerConfig().couplingSum == .meanField)
    }

    @Test(arguments: [
        (MinerConfig(oscillatorCount: 6), "oscillator_count"),
        (MinerConfig(oscillatorCount: 10_001), "oscillator_count"),
        (MinerConfig(baseCoupling: .nan), "base_coupling"),
        (MinerConfig(frequencyStd: -1), "frequency_std"),
        (MinerConfig(dt: 0), "dt"),
        (MinerConfig(dt: .infinity), "dt"),
        (MinerConfig(maxRounds: 0), "max_rounds"),
        (MinerConfig(maxNonceAttempts: 0), "max_nonce_attempts"),
        (MinerConfig(difficulty: 0), "difficulty"),
        (MinerConfig(difficulty: -0.5), "difficulty"),
    ])
    func init_invalidConfiguration_throwsNamingTheField(config: MinerConfig, field: String) {
        #expect(throws: KuramotoError.invalidConfiguration(field: field)) {
            try KuramotoMiner(config: config)
        }
    }

    @Test func nonceAndSeed_followTheLucasSequence() {
        #expect((0..<6).map { KuramotoMiner.nonce(forAttempt: $0) } == [2, 1, 3, 4, 7, 11])
        #expect(KuramotoMiner.seed(forNonce: 2) == 2)
        #expect(KuramotoMiner.seed(forNonce: 0xffff_ffff) == 0x7fff_ffff)
    }

    @Test func step_runsEachAttemptForMaxRounds_thenExhausts() throws {
        var config = MinerConfig.quick
        config.maxRounds = 3
        config.maxNonceAttempts = 2
        var miner = try KuramotoMiner(config: config)
        var seen: [(Int, UInt32, Int)] = []
        while let round = miner.step() {
            seen.append((round.attempt, round.nonce, round.result.round))
            #expect(round.seal == nil)
        }
        #expect(seen.map(\.0) == [0, 0, 0, 1, 1, 1])
        #expect(seen.map(\.1) == [2, 2, 2, 1, 1, 1])
        #expect(seen.map(\.2) == [0, 1, 2, 0, 1, 2])
        #expect(miner.isExhausted)
        #expect(miner.step() == nil)
    }

    @Test func newAttempt_startsFromTheSeedOfItsNonce() throws {
        var config = MinerConfig.quick
        config.maxRounds = 2
        var miner = try KuramotoMiner(config: config)
        _ = miner.step()
        _ = miner.step()
        #expect(miner.attempt == 1)
        let fresh = KuramotoEnsemble.initial(seed: 1, count: 63, frequencyStd: 0.5)
        #expect(miner.phases == fresh.phases)
    }

    @Test func restart_returnsToAttemptZeroRoundZero() throws {
        let pristine = try KuramotoMiner(config: .quick)
        var miner = pristine
        for _ in 0..<25 { _ = miner.step() }
        #expect(miner.run.round == 25)
        miner.restart()
        #expect(miner.attempt == 0 && miner.run.round == 0 && !miner.isExhausted)
        #expect(miner.phases == pristine.phases)
    }

    @Test func quickProfile_seals_withACoherentWindowAndTheSealingPhases() throws {
        var miner = try KuramotoMiner(config: .quick)
        var seal: BloomSeal?
        var lastRound = 0
        while seal == nil, let round = miner.step() {
            seal = round.seal
            lastRound = round.result.round
        }
        let found = try #require(seal, "the quick profile did not bloom in its first \(lastRound + 1) rounds")
        #expect(found.nonce == 2 && found.attempt == 0)
        #expect(found.bloomEnd == UInt32(lastRound))
        #expect(found.bloomEnd - found.bloomStart == 6)
        #expect(found.window.rValues.count == 7 && found.window.psiValues.count == 7)
        #expect(found.window.rValues.allSatisfy { BloomThresholdRule.wireSafe.isCoherent($0) })
        #expect(found.rValuesWire.allSatisfy { $0 >= BloomConstants.zCWire })
        #expect(found.oscillatorCount == 63 && found.finalPhasesWire.count == 63)
        // The final phases are the sealing round's: their order parameter is the last r.
        let (r, psi) = OrderParameter.compute(found.finalPhases)
        #expect(r.bitPattern == found.r.bitPattern && psi.bitPattern == found.psi.bitPattern)
        #expect(found.orderParameterWire == Float(found.r) && found.meanPhaseWire == Float(found.psi))
        // The ensemble has moved on by the sealing round's step; a later bloom needs seven new rounds.
        #expect(miner.phases != found.finalPhases)
        let stepped = miner.step()
        let next = try #require(stepped)
        #expect(next.result.round == lastRound + 1 && next.seal == nil)
    }

    @Test(arguments: [KuramotoSum.meanField, .pairwiseExact])
    func quickProfile_sealsACertificateThatVerifies(sum: KuramotoSum) throws {
        var config = MinerConfig.quick
        config.couplingSum = sum
        var miner = try KuramotoMiner(config: config)
        #expect(miner.run.sum == sum)
        var seal: BloomSeal?
        while seal == nil, let round = miner.step() { seal = round.seal }
        let found = try #require(seal, "the quick profile did not bloom with \(sum)")
        let certificate = ConsensusCertificate(
            bloomStart: found.bloomStart,
            bloomEnd: found.bloomEnd,
            oscillatorCount: found.oscillatorCount,
            rValues: found.rValuesWire,
            psiValues: found.psiValuesWire,
            finalPhases: found.finalPhasesWire
        )
        #expect(certificate.verify() == nil)
        // The header's order parameter is the certificate's last r, and the recomputed r of the f32 final phases
        // is the one verification checks.
        #expect(found.orderParameterWire == certificate.rValues.last)
        #expect(abs(certificate.recomputedR - found.r) <= 1e-6)
    }

    @Test func incorporatePeerPhases_weightOne_takesThePeerPhases() throws {
        var miner = try KuramotoMiner(config: .quick)
        let peer = KuramotoEnsemble.initial(seed: 77, count: 63, frequencyStd: 0.5).phases
        try miner.incorporatePeerPhases(peer, weight: 1)
        for (ours, theirs) in zip(miner.phases, peer) {
            #expect(abs((ours - theirs).remainder(dividingBy: BloomConstants.twoPi)) <= 1e-12)
        }
    }

    @Test func setPhases_replacesThePhasesBetweenRounds_andChecksTheCount() throws {
        var miner = try KuramotoMiner(config: .quick)
        let peer = KuramotoEnsemble.initial(seed: 9, count: 40, frequencyStd: 1).phases
        let merged = try PhaseMixing.mergePhaseStates([
            PhaseState(phases: miner.phases, rClaimed: 0, weight: 1),
            PhaseState(phases: peer, rClaimed: 0, weight: 1),
        ])
        try miner.setPhases(merged.phases)
        #expect(miner.phases == merged.phases)
        #expect(miner.orderParameter().r == merged.r)
        #expect(throws: KuramotoError.phaseCountMismatch(expected: 63, actual: 62)) {
            try miner.setPhases(Array(merged.phases.dropLast()))
        }
        let stepped = miner.step()
        #expect(stepped?.result.r == merged.r)
    }

    @Test func incorporatePeerPhases_badWeight_throwsAndKeepsThePhases() throws {
        var miner = try KuramotoMiner(config: .quick)
        let before = miner.phases
        #expect(throws: PhaseMixingError.weightOutOfRange(1.5)) {
            try miner.incorporatePeerPhases(before, weight: 1.5)
        }
        #expect(miner.phases == before)
    }
}
