import BloomCore
import BloomTestSupport
import Testing

/// numpy's legacy RandomState (spec §6.2) beyond what the vectors pin down.
@Suite(.dedicatedThread) struct KuramotoRandomStateTests {
    @Test func nextUInt32_seed5489_givesTheMT19937ReferenceOutput() {
        // 5489 is MT19937's default seed; its first output 3499211612 is the published reference value.
        var rng = LegacyRandomState(seed: 5489)
        #expect(rng.nextUInt32() == 3_499_211_612)
    }

    @Test func nextUInt32_after624Draws_twistsAndKeepsGoingDeterministically() {
        var a = LegacyRandomState(seed: 7)
        var b = LegacyRandomState(seed: 7)
        let first = (0..<1500).map { _ in a.nextUInt32() }
        let second = (0..<1500).map { _ in b.nextUInt32() }
        #expect(first == second)
        #expect(Set(first).count > 1400)
    }

    @Test func nextDouble_isTwoDrawsCombinedInto53Bits() {
        var draws = LegacyRandomState(seed: 11)
        var doubles = LegacyRandomState(seed: 11)
        for _ in 0..<100 {
            let a = Double(draws.nextUInt32() >> 5)
            let b = Double(draws.nextUInt32() >> 6)
            let value = doubles.nextDouble()
            #expect(value == (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0)
            #expect(value >= 0 && value < 1)
        }
    }

    @Test func gauss_secondValueOfAPair_comesFromTheCacheWithoutDrawing() {
        var a = LegacyRandomState(seed: 3)
        _ = a.gauss()
        var b = a
        _ = b.gauss()  // served from the cache
        #expect(a.nextUInt32() == b.nextUInt32())
    }

    @Test func standardCauchy_isFirstGaussOverSecondGauss() {
        var cauchy = LegacyRandomState(seed: 42)
        var gauss = LegacyRandomState(seed: 42)
        for _ in 0..<50 {
            let numerator = gauss.gauss()
            let denominator = gauss.gauss()
            #expect(cauchy.standardCauchy().bitPattern == (numerator / denominator).bitPattern)
        }
    }

    @Test func initial_drawsPhasesBeforeFrequencies() {
        var rng = LegacyRandomState(seed: 9)
        let phases = (0..<10).map { _ in 0.0 + BloomConstants.twoPi * rng.nextDouble() }
        let frequencies = (0..<10).map { _ in rng.standardCauchy() * (0.5 * BloomConstants.tau) }
        let ensemble = KuramotoEnsemble.initial(seed: 9, count: 10, frequencyStd: 0.5)
        #expect(ensemble.phases.map(\.bitPattern) == phases.map(\.bitPattern))
        #expect(ensemble.frequencies.map(\.bitPattern) == frequencies.map(\.bitPattern))
    }
}
