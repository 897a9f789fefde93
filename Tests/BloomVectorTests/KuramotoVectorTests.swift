import BloomCore
import BloomTestSupport
import Foundation
import Testing

/// Spec §6.2–§6.5 against `kuramoto.json`: the RNG and the initial state bit for bit, k_base bit for bit from
/// the run's parameters, and the dynamics within the spec's tolerance (r per round within 1e-9).
@Suite(.dedicatedThread) struct KuramotoVectorTests {
    /// The spec's tolerance on r per round (§6.5).
    static let rTolerance = 1e-9

    /// One run's parameters and recorded trajectory.
    struct Run {
        var path: String
        var seed: UInt32
        var count: Int
        var frequencyStd: Double
        var dt: Double
        var baseCoupling: Double
        var difficulty: Double
        var mode: String
        var useAdaptive: Bool
        var maxRounds: Int
        var kBase: Double
        var gamma: Double
        var rngFirst: [UInt32]
        var initialPhases: [Double]
        var frequencies: [Double]
        var roundsRecorded: Int
        var r: [Double]
        var psi: [Double]
        var kEff: [Double]
        var bloom: (start: Int, end: Int)?
        /// The bloom's final phases, or the phases after the last step when there is no bloom.
        var finalPhases: [Double]

        init(_ item: JSON) throws {
            path = item.path
            seed = UInt32(try item["seed"].int)
            count = try item["N"].int
            frequencyStd = try item["frequency_std"].double
            dt = try item["dt"].double
            baseCoupling = try Self.baseCoupling(try item["base_coupling"].string, at: item.path)
            difficulty = try item["difficulty_multiplier"].double
            mode = try item["mode"].string
            useAdaptive = try item["use_adaptive"].bool
            maxRounds = try item["max_rounds"].int
            kBase = try item["k_base_f64"].f64FromHex
            gamma = try item["gamma_f64"].f64FromHex
            rngFirst = try item["rng_first_u32"].array.map { UInt32(try $0.int) }
            initialPhases = try item["initial_phases_f64_hex"].array.map { try $0.f64FromHex }
            frequencies = try item["frequencies_f64_hex"].array.map { try $0.f64FromHex }
            roundsRecorded = try item["rounds_recorded"].int
            r = try item["r_f64_hex"].array.map { try $0.f64FromHex }
            psi = try item["psi_f64_hex"].array.map { try $0.f64FromHex }
            kEff = try item["k_eff_f64_hex"].array.map { try $0.f64FromHex }
            if let bloom = item.optional("bloom") {
                self.bloom = (try bloom["bloom_start"].int, try bloom["bloom_end"].int)
                finalPhases = try bloom["final_phases_f64_hex"].array.map { try $0.f64FromHex }
            } else {
                self.bloom = nil
                finalPhases = try item["final_phases_f64_hex"].array.map { try $0.f64FromHex }
            }
        }

        /// The two base couplings the vectors document (§10: `quick` 2K, `plain` K), written as expressions.
        static func baseCoupling(_ expression: String, at path: String) throws -> Double {
            switch expression.replacingOccurrences(of: " ", with: "") {
            case "2*K": return 2 * BloomConstants.k
            case "K": return BloomConstants.k
            default: throw Vectors.Malformed(description: "\(path).base_coupling: unknown expression \(expression)")
            }
        }

        var config: MinerConfig {
            MinerConfig(
                oscillatorCount: count,
                baseCoupling: baseCoupling,
                frequencyStd: frequencyStd,
                dt: dt,
                maxRounds: maxRounds,
                maxNonceAttempts: 1,
                difficulty: difficulty,
                useAdaptive: useAdaptive,
                bloomRule: .reference,
                couplingSum: .pairwiseExact
            )
        }
    }

    static func runs() throws -> [Run] {
        let runs = try Vectors.load("kuramoto.json")["runs"].array.map(Run.init)
        #expect(!runs.isEmpty)
        return runs
    }

    /// Signed angle distance in [−π, π].
    static func angleDistance(_ a: Double, _ b: Double) -> Double {
        abs((a - b).remainder(dividingBy: BloomConstants.twoPi))
    }

    @Test func rngFirstOutputs_matchReferenceExactly() throws {
        for run in try Self.runs() {
            var rng = LegacyRandomState(seed: run.seed)
            let outputs = run.rngFirst.map { _ in rng.nextUInt32() }
            #expect(outputs == run.rngFirst, "\(run.path) seed \(run.seed)")
        }
    }

    @Test func initialPhasesAndFrequencies_matchReferenceBitForBit() throws {
        for run in try Self.runs() {
            #expect((run.frequencyStd * BloomConstants.tau).bitPattern == run.gamma.bitPattern, "\(run.path) gamma")
            let ensemble = KuramotoEnsemble.initial(seed: run.seed, count: run.count, frequencyStd: run.frequencyStd)
            #expect(ensemble.count == run.count)
            #expect(ensemble.phases.map(\.bitPattern) == run.initialPhases.map(\.bitPattern), "\(run.path) phases")
            #expect(
                ensemble.frequencies.map(\.bitPattern) == run.frequencies.map(\.bitPattern),
                "\(run.path) frequencies"
            )
        }
    }

    @Test func baseCoupling_fromRunParameters_matchesReferenceBitForBit() throws {
        for run in try Self.runs() {
            let config = run.config
            #expect(throws: Never.self) { try config.validate() }
            #expect(config.effectiveCoupling.bitPattern == run.kBase.bitPattern, "\(run.path) k_base")
            // The two documented modes are the miner's two profiles.
            let profile: MinerConfig? =
                switch run.mode {
                case "quick": .quick
                case "plain": .reference
                default: nil
                }
            let named = try #require(profile, "\(run.path): unknown mode \(run.mode)")
            #expect(named.baseCoupling.bitPattern == run.baseCoupling.bitPattern, "\(run.path) profile coupling")
            #expect(named.difficulty.bitPattern == run.difficulty.bitPattern, "\(run.path) profile difficulty")
            #expect(named.effectiveCoupling.bitPattern == run.kBase.bitPattern, "\(run.path) profile k_base")
        }
    }

    @Test func referenceBloomRule_overRecordedR_findsTheRecordedBloom() throws {
        for run in try Self.runs() {
            var detector = BloomDetector(rule: .reference)
            var found: BloomWindow?
            #expect(run.r.count == run.psi.count, "\(run.path) lengths")
            for (round, (r, psi)) in zip(run.r, run.psi).enumerated() {
                let window = detector.observe(round: round, r: r, psi: psi)
                #expect(found == nil || window == nil, "\(run.path): a second bloom at round \(round)")
                if window != nil { found = window }
                if let window {
                    #expect(round == run.roundsRecorded - 1, "\(run.path): bloom before the recorded end")
                    #expect(window.rValues.map(\.bitPattern) == run.r[window.bloomStart...round].map(\.bitPattern))
                }
            }
            #expect(found?.bloomStart == run.bloom?.start, "\(run.path) bloom_start")
            #expect(found?.bloomEnd == run.bloom?.end, "\(run.path) bloom_end")
        }
    }

    @Test func dynamics_rPerRoundWithinTolerance_andBloomAsRecorded() throws {
        for run in try Self.runs() {
            try replay(run)
        }
    }

    private func replay(_ run: Run) throws {
        #expect(run.r.count == run.roundsRecorded && run.psi.count == run.roundsRecorded, "\(run.path) lengths")
        // The sealing round takes no Euler step in the reference, so it records no K_eff.
        #expect(run.kEff.count == run.roundsRecorded - (run.bloom == nil ? 0 : 1), "\(run.path) K_eff count")
        let initial = try KuramotoEnsemble(phases: run.initialPhases, frequencies: run.frequencies)
        var dynamics = KuramotoRun(
            ensemble: initial,
            baseCoupling: run.config.effectiveCoupling,
            dt: run.dt,
            useAdaptive: run.useAdaptive,
            rule: .reference,
            // The bit-exact replay: the reference's pairwise sums (spec §6.5, §6.6), never the mean field.
            sum: .pairwiseExact
        )
        var bitExactRounds = 0
        var worstR = 0.0
        var rOutside: [Int] = []
        var psiOutside: [Int] = []
        var couplingOutside: [Int] = []
        var bloom: Bloom?
        for (round, (expectedR, expectedPsi)) in zip(run.r, run.psi).enumerated() {
            let result = dynamics.step()
            worstR = max(worstR, abs(result.r - expectedR))
            if result.r.bitPattern == expectedR.bitPattern { bitExactRounds += 1 }
            if !(abs(result.r - expectedR) <= Self.rTolerance) { rOutside.append(round) }
            if !(Self.angleDistance(result.psi, expectedPsi) <= 1e-6) { psiOutside.append(round) }
            if round < run.kEff.count {
                let expectedK = run.kEff[round]
                let couplingTolerance = 1e-9 * max(1, abs(expectedK))
                if !(abs(result.coupling - expectedK) <= couplingTolerance) { couplingOutside.append(round) }
            }
            if let found = result.bloom {
                #expect(bloom == nil, "\(run.path): second bloom at \(round)")
                bloom = found
            }
        }
        // One verdict per quantity (a diverging trajectory would otherwise report every later round).
        let rFailures = rOutside.count, psiFailures = psiOutside.count, couplingFailures = couplingOutside.count
        #expect(rFailures == 0, "\(run.path): |Δr| > 1e-9 in \(rFailures) rounds, first \(rOutside.first ?? -1)")
        #expect(psiFailures == 0, "\(run.path): |Δψ| > 1e-6 in \(psiFailures) rounds, first \(psiOutside.first ?? -1)")
        #expect(
            couplingFailures == 0,
            "\(run.path): K_eff off in \(couplingFailures) rounds, first \(couplingOutside.first ?? -1)"
        )
        let trajectoryBitExact = bitExactRounds == run.roundsRecorded
        let summary = "\(run.path): \(bitExactRounds)/\(run.roundsRecorded) rounds bit-exact, worst |Δr| \(worstR)"
        print(summary)

        // Our bloom equals the recorded one whenever the comparison is decisive: either every r is bit-exact, or no
        // recorded r lies within the tolerance of Z_C (then each round's coherence cannot flip).
        let decisive = trajectoryBitExact || run.r.allSatisfy { abs($0 - BloomConstants.zC) > Self.rTolerance }
        if decisive {
            #expect(bloom?.window.bloomStart == run.bloom?.start, "\(summary); bloom_start")
            #expect(bloom?.window.bloomEnd == run.bloom?.end, "\(summary); bloom_end")
        }

        // Final phases are comparable when both runs ended the same way: the same bloom, or none.
        let sameEnding =
            bloom?.window.bloomStart == run.bloom?.start && bloom?.window.bloomEnd == run.bloom?.end
        guard sameEnding else { return }  // only possible when not decisive
        let finalPhases = bloom?.finalPhases ?? dynamics.phases
        #expect(finalPhases.count == run.finalPhases.count, "\(run.path) final phase count")
        if trajectoryBitExact {
            #expect(finalPhases.map(\.bitPattern) == run.finalPhases.map(\.bitPattern), "\(summary); final phases")
        } else {
            let worstPhase = zip(finalPhases, run.finalPhases).map { Self.angleDistance($0, $1) }.max() ?? 0
            #expect(worstPhase <= 1e-6, "\(summary); final phases differ by up to \(worstPhase)")
        }
    }
}
