import BloomCore
import BloomGossip
import BloomTestSupport
import Foundation
import Testing

/// The gossip paths that mix phases — `NetworkView` (merge) and `MiningController.incorporate` — against
/// `incorporate.json`, within the file's angular tolerance.
@Suite(.dedicatedThread) struct GossipIncorporateVectorTests {
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["BLOOM_VECTORS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/vectors").standardizedFileURL
    }

    struct Malformed: Error {}

    static func load() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("incorporate.json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Malformed() }
        return object
    }

    static func phases(_ value: Any?) throws -> [Double] {
        guard let hexes = value as? [String] else { throw Malformed() }
        return try hexes.map { hex in
            guard let bits = UInt64(hex, radix: 16) else { throw Malformed() }
            return Double(bitPattern: bits)
        }
    }

    static func angleDistance(_ a: Double, _ b: Double) -> Double {
        abs((a - b).remainder(dividingBy: BloomConstants.twoPi))
    }

    @Test func networkView_mergesAsTheVectors() throws {
        let file = try Self.load()
        let tolerance = try #require(file["tolerance_rad"] as? Double)
        let cases = try #require(file["merge"] as? [[String: Any]])
        #expect(!cases.isEmpty)
        for (index, item) in cases.enumerated() {
            let states = try #require(item["states"] as? [[String: Any]]).map { state in
                PhaseState(
                    phases: try Self.phases(state["phases_f64_hex"]),
                    rClaimed: try #require(state["r"] as? Double),
                    weight: try #require(state["weight"] as? Double)
                )
            }
            let expected = try Self.phases(item["merged_phases_f64_hex"])
            let view = try NetworkView(states: states, coherences: [])
            #expect(view.phases.count == expected.count, "merge[\(index)]")
            for (ours, theirs) in zip(view.phases, expected) {
                #expect(Self.angleDistance(ours, theirs) <= tolerance, "merge[\(index)]")
            }
            if let rHex = item["merged_r_f64"] as? String, let bits = UInt64(rHex, radix: 16) {
                #expect(abs(view.r - Double(bitPattern: bits)) <= tolerance, "merge[\(index)] r")
            }
        }
    }

    @Test func controllerIncorporate_mixesAsTheVectors() throws {
        let file = try Self.load()
        let tolerance = try #require(file["tolerance_rad"] as? Double)
        let cases = try #require(file["incorporate"] as? [[String: Any]])
        var checked = 0
        for (index, item) in cases.enumerated() {
            let local = try Self.phases(item["local_f64_hex"])
            // The miner needs a valid ensemble size (spec §5: 7 ≤ N ≤ 10 000).
            guard local.count >= BloomConstants.l4 else { continue }
            let peer = try Self.phases(item["peer_f64_hex"])
            let weight = try #require(item["weight"] as? Double)
            let expected = try Self.phases(item["output_f64_hex"])
            var config = MinerConfig.quick
            config.oscillatorCount = local.count
            var controller = try MiningController(configuration: MiningConfiguration(miner: config))
            try controller.setPhases(local)
            try controller.incorporate(peer, weight: weight)
            let output = controller.snapshot().phases
            #expect(output.count == expected.count, "incorporate[\(index)]")
            for (ours, theirs) in zip(output, expected) {
                #expect(Self.angleDistance(ours, theirs) <= tolerance, "incorporate[\(index)]")
            }
            checked += 1
        }
        #expect(checked > 0)
    }
}
