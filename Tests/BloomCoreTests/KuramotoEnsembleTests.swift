@testable import BloomCore
import BloomTestSupport
import Foundation
import Testing

/// The Euler step and its helpers (spec §6.4).
@Suite(.dedicatedThread) struct KuramotoEnsembleTests {
    static func randomEnsemble(seed: UInt32, count: Int, denseLimit: Int) throws -> KuramotoEnsemble {
        let initial = KuramotoEnsemble.initial(seed: seed, count: count, frequencyStd: 0.5)
        return try KuramotoEnsemble(phases: initial.phases, frequencies: initial.frequencies, denseLimit: denseLimit)
    }

    @Test(arguments: [1, 2, 7, 8, 63, 77, 130])
    func denseStep_matchesRowByRowStep_bitForBit(count: Int) throws {
        // The dense path computes one sine per pair and negates it for the mirror; the row path calls sin for
        // every pair. Equal bits confirm that libm's sin is odd, which the dense path relies on.
        var dense = try Self.randomEnsemble(seed: UInt32(count), count: count, denseLimit: .max)
        var rows = try Self.randomEnsemble(seed: UInt32(count), count: count, denseLimit: 0)
        for _ in 0..<40 {
            let (r, _) = dense.orderParameter()
            let coupling = KuramotoEnsemble.adaptiveCoupling(r: r, base: MinerConfig.quick.effectiveCoupling)
            dense.step(coupling: coupling, dt: 0.02)
            rows.step(coupling: coupling, dt: 0.02)
            #expect(dense.phases.map(\.bitPattern) == rows.phases.map(\.bitPattern))
        }
    }

    @Test func step_equalPhases_getNoCouplingPull() throws {
        // sin(0) pairs contribute +0.0, so identical oscillators move by ω·dt only.
        var ensemble = try KuramotoEnsemble(phases: [1.0, 1.0, 1.0], frequencies: [0.5, 0.5, 0.5])
        ensemble.step(coupling: 3.0, dt: 0.1)
        #expect(ensemble.phases == [1.0 + 0.5 * 0.1, 1.0 + 0.5 * 0.1, 1.0 + 0.5 * 0.1])
    }

    @Test func step_manyRounds_keepsPhasesWithinZeroAndTwoPi() throws {
        var ensemble = KuramotoEnsemble.initial(seed: 123, count: 63, frequencyStd: 1.0)
        for _ in 0..<500 {
            ensemble.step(coupling: 2.0, dt: 0.05)
            #expect(ensemble.phases.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= BloomConstants.twoPi })
        }
    }

    @Test func step_copiedEnsemble_leavesTheOriginalUntouched() {
        let original = KuramotoEnsemble.initial(seed: 5, count: 20, frequencyStd: 0.5)
        var copy = original
        copy.step(coupling: 1.0, dt: 0.02)
        #expect(copy.phases != original.phases)
        #expect(original.phases == KuramotoEnsemble.initial(seed: 5, count: 20, frequencyStd: 0.5).phases)
    }

    @Test func emptyEnsemble_stepsAsANoOp_andHasOrderParameterZero() throws {
        var ensemble = try KuramotoEnsemble(phases: [], frequencies: [])
        ensemble.step(coupling: 1.0, dt: 0.01)
        #expect(ensemble.phases.isEmpty)
        let (r, psi) = ensemble.orderParameter()
        #expect(r == 0 && psi == 0)
    }

    @Test func init_mismatchedCounts_throwsPhaseCountMismatch() {
        #expect(throws: KuramotoError.phaseCountMismatch(expected: 2, actual: 3)) {
            try KuramotoEnsemble(phases: [0, 1, 2], frequencies: [0, 1])
        }
    }

    @Test func setPhases_wrongCount_throwsAndKeepsThePhases() throws {
        var ensemble = try KuramotoEnsemble(phases: [0.5, 1.5], frequencies: [0, 0])
        #expect(throws: KuramotoError.phaseCountMismatch(expected: 2, actual: 1)) {
            try ensemble.setPhases([1.0])
        }
        #expect(ensemble.phases == [0.5, 1.5])
        try ensemble.setPhases([2.0, 3.0])
        #expect(ensemble.phases == [2.0, 3.0])
    }

    @Test func adaptiveCoupling_atZC_isBaseTimesOnePlusLambda() {
        let base = 2.0
        let atZC = KuramotoEnsemble.adaptiveCoupling(r: BloomConstants.zC, base: base)
        #expect(atZC == base * (1 + BloomConstants.lambda))
        // Far from Z_C the bump exp(−SIGMA·0.75) ≈ 7e-19 vanishes against 1.
        #expect(KuramotoEnsemble.adaptiveCoupling(r: 0, base: base) == base)
        let near = KuramotoEnsemble.adaptiveCoupling(r: BloomConstants.zC - 0.1, base: base)
        #expect(near > base && near < base * (1 + BloomConstants.lambda))
    }

    @Test func floorMod_followsPythonSemantics() {
        let m = BloomConstants.twoPi
        #expect(PhaseArithmetic.floorMod(7.0, m) == 7.0 - m)
        #expect(PhaseArithmetic.floorMod(-1.0, m) == m - 1.0)
        #expect(PhaseArithmetic.floorMod(-0.0, m).sign == .plus)
        #expect(PhaseArithmetic.floorMod(m, m) == 0)
        // A tiny negative value wraps to exactly 2π, which the reference keeps.
        #expect(PhaseArithmetic.floorMod(-1e-300, m) == m)
        #expect(PhaseArithmetic.floorMod(1.0, -m) == 1.0 - m)
    }
}
