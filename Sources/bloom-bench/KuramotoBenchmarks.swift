import BloomCore

/// The miner's round rate and the cost of mixing in a peer's phases (DESIGN.md benchmark table).
let kuramotoBenchmarks: [Benchmark] = [
    Benchmark(
        names: ["kuramoto_rounds_per_s", "kuramoto_pairwise_rounds_per_s", "kuramoto_meanfield_vs_pairwise_ratio"]
    ) { quick in
        // Full rounds of the quick profile at N = 63: order parameter, bloom check, adaptive coupling, Euler step.
        // The miner's own form (mean field, the node's default) against the bit-exact pairwise form, in the same
        // run, so that the ratio holds its own baseline on a loaded machine.
        let meanField = try meanFieldRoundRate(seconds: quick ? 0.25 : 2)
        let pairwise = try pairwiseRoundRate(seconds: quick ? 0.25 : 2)
        return [
            Figure(name: "kuramoto_rounds_per_s", value: meanField, unit: "rounds/s"),
            Figure(name: "kuramoto_pairwise_rounds_per_s", value: pairwise, unit: "rounds/s"),
            Figure(name: "kuramoto_meanfield_vs_pairwise_ratio", value: meanField / pairwise, unit: "x"),
        ]
    },
    Benchmark(names: ["incorporate_per_s", "incorporate_exact_per_s", "incorporate_fast_vs_exact_ratio"]) { quick in
        // The node's mix (inlined kernels, within 1e-12 rad of the reference) against the reference's recipe
        // (five libm calls a phase, bit-exact given the same libm), in the same run.
        let local = KuramotoEnsemble.initial(seed: 2, count: 63, frequencyStd: 0.5).phases
        let peer = KuramotoEnsemble.initial(seed: 3, count: 63, frequencyStd: 0.5).phases
        let fast = try incorporateRate(local: local, peer: peer, exact: false, seconds: quick ? 0.25 : 2)
        let exact = try incorporateRate(local: local, peer: peer, exact: true, seconds: quick ? 0.25 : 2)
        return [
            Figure(name: "incorporate_per_s", value: fast, unit: "ops/s"),
            Figure(name: "incorporate_exact_per_s", value: exact, unit: "ops/s"),
            Figure(name: "incorporate_fast_vs_exact_ratio", value: fast / exact, unit: "x"),
        ]
    },
]

/// Calls per second of `incorporatePeerPhases` (or its exact recipe) on 63 / 63 phases; never inlined, so that a
/// profile can toggle on it (`--toggle-collect='*incorporateRate*'`).
@inline(never)
private func incorporateRate(local: [Double], peer: [Double], exact: Bool, seconds: Double) throws -> Double {
    var sink = 0.0
    let rate = try measureRate(seconds: seconds) {
        for _ in 0..<100 {
            let mixed = exact
                ? try PhaseMixing.incorporatePeerPhasesExact(local: local, peer: peer, weight: 0.1)
                : try PhaseMixing.incorporatePeerPhases(local: local, peer: peer, weight: 0.1)
            sink += mixed[0]
        }
        return 100
    }
    blackHole(sink)
    return rate
}

/// The two forms behind separate, never-inlined functions, so that a profile tells them apart
/// (`valgrind --tool=callgrind --toggle-collect='*meanFieldRoundRate*'`, see BENCHMARKS.md).
@inline(never)
private func meanFieldRoundRate(seconds: Double) throws -> Double {
    try minerRoundRate(sum: .meanField, seconds: seconds)
}

@inline(never)
private func pairwiseRoundRate(seconds: Double) throws -> Double {
    try minerRoundRate(sum: .pairwiseExact, seconds: seconds)
}

/// Rounds per second of a quick-profile miner whose coupling sums take the form `sum`.
private func minerRoundRate(sum: KuramotoSum, seconds: Double) throws -> Double {
    var config = MinerConfig.quick
    config.couplingSum = sum
    var miner = try KuramotoMiner(config: config)
    let rate = measureRate(seconds: seconds) {
        var rounds = 0
        for _ in 0..<100 {
            if miner.step() == nil { miner.restart() } else { rounds += 1 }
        }
        return rounds
    }
    blackHole(miner.phases)
    return rate
}
