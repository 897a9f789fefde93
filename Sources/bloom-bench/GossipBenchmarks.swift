import BloomCore
import BloomGossip
import BloomWire
import Foundation

/// bloom-gossip's figures: the ensemble's round rate while the service handles a PHASE stream from 100 peers,
/// the cost of one PHASE message through to incorporation, and nonce attempts per second in fast settings.
let gossipBenchmarks: [Benchmark] = [
    Benchmark(names: ["gossip_rounds_per_s_100peers"]) { quick in
        // The miner on its dedicated thread at full speed (mining on a tip); this thread plays the service:
        // 100 peers × 1 PHASE a second, spread evenly, and the 1 s tick (network view + incorporation).
        var controller = try MiningController(configuration: MiningConfiguration(miner: .quick, mine: true))
        controller.tipChanged(TipUpdate(height: 1, hash: GossipBench.hash([UInt8](repeating: 1, count: 32))))
        let thread = EnsembleThread(controller: controller, clock: now, onEvent: { _ in })
        var engine = GossipEngine(configuration: GossipConfiguration())
        let payloads = GossipBench.peerPayloads(count: 100)
        let duration = quick ? 1.5 : 5
        thread.start()
        let start = now()
        let roundsAtStart = thread.status.rounds
        var sent = 0
        while now() - start < duration {
            let t = now()
            let peer = sent % payloads.count
            _ = engine.receive(type: .phase, payload: payloads[peer], from: GossipPeer(UInt64(peer + 1)), now: t)
            sent += 1
            for action in engine.tick(now: t, local: thread.status.snapshot, mining: true) {
                if case .incorporate(let phases, let weight) = action {
                    thread.post(incorporate: phases, weight: weight)
                }
            }
            // 100 PHASE a second in all.
            let next = start + Double(sent) * 0.01
            let wait = next - now()
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        let elapsed = now() - start
        let rounds = thread.status.rounds - roundsAtStart
        thread.stopAndWait()
        return [Figure(name: "gossip_rounds_per_s_100peers", value: Double(rounds) / elapsed, unit: "rounds/s")]
    },
    Benchmark(names: ["gossip_phase_msgs_per_s", "gossip_phase_incorporated_us"]) { quick in
        let payloads = GossipBench.peerPayloads(count: 100)
        var engine = GossipEngine(configuration: GossipConfiguration())
        // Each peer sends once per simulated second, within its 60-a-minute allowance.
        var clock = 0.0
        var index = 0
        let receiveRate = measureRate(seconds: quick ? 0.25 : 2) {
            for _ in 0..<100 {
                clock += 0.01
                let actions = engine.receive(type: .phase, payload: payloads[index % 100],
                                             from: GossipPeer(UInt64(index % 100 + 1)), now: clock)
                blackHole(actions)
                index += 1
            }
            return 100
        }
        // Incorporation: the tick merges the 100 fresh states into the network view and the miner mixes it in;
        // its cost is shared by the 100 messages that fed it.
        var controller = try MiningController(configuration: MiningConfiguration(miner: .quick))
        let local = controller.snapshot()
        let tickRate = try measureRate(seconds: quick ? 0.25 : 2) {
            let view = engine.networkView(now: clock)
            try controller.incorporate(view.phases, weight: 0.1)
            blackHole(local)
            return 1
        }
        let perMessageUs = (1e6 / receiveRate) + (1e6 / tickRate) / 100
        return [
            Figure(name: "gossip_phase_msgs_per_s", value: receiveRate, unit: "msgs/s"),
            Figure(name: "gossip_phase_incorporated_us", value: perMessageUs, unit: "us/msg"),
        ]
    },
    Benchmark(names: ["gossip_attempts_per_s"]) { quick in
        // Fast settings (quick profile, no interval): every seal is followed at once by its block as the new tip,
        // as on a local test network, so each tip costs one attempt from nonce 0 to its bloom.
        var controller = try MiningController(configuration: MiningConfiguration(miner: .quick, mine: true,
                                                                                 minBlockInterval: 0))
        var height: UInt64 = 1
        var tipByte: UInt8 = 0
        controller.tipChanged(TipUpdate(height: height, hash: GossipBench.hash([UInt8](repeating: 0, count: 32))))
        let before = controller.attemptsStarted
        let start = now()
        let rate = measureRate(seconds: quick ? 0.5 : 3) {
            for _ in 0..<100 {
                if case .sealed = controller.step(now: now()) {
                    height += 1
                    tipByte &+= 1
                    let last = UInt8(truncatingIfNeeded: height)
                    let hash = GossipBench.hash([UInt8](repeating: tipByte, count: 31) + [last])
                    controller.tipChanged(TipUpdate(height: height, hash: hash))
                }
            }
            return 0
        }
        blackHole(rate)
        let attempts = Double(controller.attemptsStarted - before) / (now() - start)
        return [Figure(name: "gossip_attempts_per_s", value: attempts, unit: "attempts/s")]
    },
]

/// Inputs shared by the gossip benchmarks.
enum GossipBench {
    /// A tip hash from 32 bytes.
    static func hash(_ bytes: [UInt8]) -> Hash256 {
        bytes.withUnsafeBytes { Hash256($0) }
    }

    /// One honest PHASE payload (63 phases) per peer, each a different ensemble.
    static func peerPayloads(count: Int) -> [[UInt8]] {
        (0..<count).map { peer in
            let phases = KuramotoEnsemble.initial(seed: UInt32(peer + 10), count: 63, frequencyStd: 0.5).phases
            let (r, psi) = OrderParameter.compute(phases.map { Double(Float($0)) })
            return PhaseMessage(encoding: phases, r: r, psi: psi).encoded()
        }
    }
}
