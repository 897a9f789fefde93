import BloomCore
import BloomTestSupport
import Testing

/// The mean-field form of the coupling sums (``KuramotoSum/meanField``) against the reference's pairwise sums.
@Suite(.dedicatedThread) struct KuramotoMeanFieldTests {
    /// Largest phase difference accepted after one step from the same state. The two forms differ only in how
    /// Σ sin(θⱼ − θᵢ) is rounded (≈ N · 2⁻⁵² ≈ 1.4e-14 at N = 63), scaled by (K/N)·dt ≈ 1e-3 in the step; 1e-12
    /// leaves room for the floor-mod wrap and still catches a wrong sign or a wrong sum (≈ 1e-3 apart).
    static let stepTolerance = 1e-12

    static func angleDistance(_ a: Double, _ b: Double) -> Double {
        abs((a - b).remainder(dividingBy: BloomConstants.twoPi))
    }

    @Test func meanFieldStep_fromTheSameState_agreesWithPairwise_everyRoundOfAQuickAttempt() {
        // The pairwise trajectory of the quick profile's first attempt (N = 63), past its bloom (about 150 rounds)
        // into the synchronised regime; every round, a copy steps with the mean field from the same state.
        let config = MinerConfig.quick
        var exact = KuramotoEnsemble.initial(seed: 2, count: 63, frequencyStd: config.frequencyStd)
        var worst = 0.0
        var worstRound = -1
        var largestR = 0.0
        for round in 0..<1_500 {
            let (r, _) = exact.measureOrderParameter()
            largestR = max(largestR, r)
            let coupling = KuramotoEnsemble.adaptiveCoupling(r: r, base: config.effectiveCoupling)
            var meanField = exact
            meanField.step(coupling: coupling, dt: config.dt, sum: .meanField)
            exact.step(coupling: coupling, dt: config.dt, sum: .pairwiseExact)
            for (a, b) in zip(meanField.phases, exact.phases) {
                let distance = Self.angleDistance(a, b)
                if !(distance <= worst) {
                    worst = distance
                    worstRound = round
                }
            }
        }
        #expect(worst <= Self.stepTolerance, "worst phase difference \(worst) at round \(worstRound)")
        // The trajectory did reach the coherent regime, so both regimes were compared.
        #expect(largestR >= BloomConstants.zC)
    }

    @Test(arguments: [7, 8, 63, 130])
    func meanFieldStep_withoutMeasuringFirst_equalsMeasuredStep_bitForBit(count: Int) throws {
        // The step computes cos/sin itself when the phases changed since the last measurement; it must not use
        // stale values after setPhases or an incorporation.
        let start = KuramotoEnsemble.initial(seed: UInt32(count), count: count, frequencyStd: 0.5)
        var measured = start
        _ = measured.measureOrderParameter()
        var unmeasured = start
        measured.step(coupling: 2.5, dt: 0.02, sum: .meanField)
        unmeasured.step(coupling: 2.5, dt: 0.02, sum: .meanField)
        #expect(measured.phases.map(\.bitPattern) == unmeasured.phases.map(\.bitPattern))

        let other = KuramotoEnsemble.initial(seed: 999, count: count, frequencyStd: 0.5).phases
        var replaced = start
        _ = replaced.measureOrderParameter()
        try replaced.setPhases(other)
        replaced.step(coupling: 2.5, dt: 0.02, sum: .meanField)
        var fresh = try KuramotoEnsemble(phases: other, frequencies: start.frequencies)
        fresh.step(coupling: 2.5, dt: 0.02, sum: .meanField)
        #expect(replaced.phases.map(\.bitPattern) == fresh.phases.map(\.bitPattern))

        var mixed = start
        _ = mixed.measureOrderParameter()
        try mixed.incorporatePeerPhases(other, weight: 0.5)
        let mixedPhases = mixed.phases
        mixed.step(coupling: 2.5, dt: 0.02, sum: .meanField)
        var freshMixed = try KuramotoEnsemble(phases: mixedPhases, frequencies: start.frequencies)
        freshMixed.step(coupling: 2.5, dt: 0.02, sum: .meanField)
        #expect(mixed.phases.map(\.bitPattern) == freshMixed.phases.map(\.bitPattern))
    }

    @Test func measureOrderParameter_equalsOrderParameter_bitForBit() {
        var ensemble = KuramotoEnsemble.initial(seed: 11, count: 63, frequencyStd: 0.5)
        for _ in 0..<50 {
            let plain = ensemble.orderParameter()
            let measured = ensemble.measureOrderParameter()
            #expect(plain.r.bitPattern == measured.r.bitPattern && plain.psi.bitPattern == measured.psi.bitPattern)
            ensemble.step(coupling: 3, dt: 0.02, sum: .meanField)
        }
    }

    @Test func meanFieldStep_equalPhases_getNoCouplingPull() throws {
        // cos θ · Σ sin θ − sin θ · Σ cos θ is N(cos θ sin θ − sin θ cos θ) = 0 exactly for identical phases.
        var ensemble = try KuramotoEnsemble(phases: [1.0, 1.0, 1.0], frequencies: [0.5, 0.5, 0.5])
        ensemble.step(coupling: 3.0, dt: 0.1, sum: .meanField)
        #expect(ensemble.phases == [1.0 + 0.5 * 0.1, 1.0 + 0.5 * 0.1, 1.0 + 0.5 * 0.1])
    }

    @Test func run_followsItsSumChoice() throws {
        // The same run with either form: the first round's r is the same bits (same phases), after which the
        // trajectories stay within rounding of each other but the mean-field one is not the pairwise one.
        let initial = KuramotoEnsemble.initial(seed: 2, count: 63, frequencyStd: 0.5)
        let base = MinerConfig.quick.effectiveCoupling
        var exact = KuramotoRun(ensemble: initial, baseCoupling: base, dt: 0.02, useAdaptive: true, rule: .reference)
        var meanField = KuramotoRun(
            ensemble: initial,
            baseCoupling: base,
            dt: 0.02,
            useAdaptive: true,
            rule: .reference,
            sum: .meanField
        )
        #expect(exact.sum == .pairwiseExact && meanField.sum == .meanField)
        var differingRounds = 0
        for round in 0..<100 {
            let a = exact.step(), b = meanField.step()
            if round == 0 { #expect(a.r.bitPattern == b.r.bitPattern) }
            #expect(abs(a.r - b.r) <= 1e-9, "round \(round)")
            if a.r.bitPattern != b.r.bitPattern { differingRounds += 1 }
        }
        #expect(differingRounds > 0, "the mean-field run replayed the pairwise one exactly: the choice was ignored")
    }
}
