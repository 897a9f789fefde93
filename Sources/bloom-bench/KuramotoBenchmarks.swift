import BloomCore

/// The miner's round rate and the cost of mixing in a peer's phases (DESIGN.md benchmark table).
let kuramotoBenchmarks: [Benchmark] = [
    Benchmark(names: ["kuramoto_rounds_per_s"]) { quick in
        // Full rounds of the quick profile at N = 63: order parameter, bloom check, adaptive coupling, Euler step.
        var miner = try KuramotoMiner(config: .quick)
        let rate = measureRate(seconds: quick ? 0.25 : 2) {
            var rounds = 0
            for _ in 0..<100 {
                if miner.step() == nil { miner.restart() } else { rounds += 1 }
            }
            return rounds
        }
        blackHole(miner.phases)
        return [Figure(name: "kuramoto_rounds_per_s", value: rate, unit: "rounds/s")]
    },
    Benchmark(names: ["incorporate_per_s"]) { quick in
        let local = KuramotoEnsemble.initial(seed: 2, count: 63, frequencyStd: 0.5).phases
        let peer = KuramotoEnsemble.initial(seed: 3, count: 63, frequencyStd: 0.5).phases
        var sink = 0.0
        let rate = try measureRate(seconds: quick ? 0.25 : 2) {
            for _ in 0..<100 {
                let mixed = try PhaseMixing.incorporatePeerPhases(local: local, peer: peer, weight: 0.1)
                sink += mixed[0]
            }
            return 100
        }
        blackHole(sink)
        return [Figure(name: "incorporate_per_s", value: rate, unit: "ops/s")]
    },
]
