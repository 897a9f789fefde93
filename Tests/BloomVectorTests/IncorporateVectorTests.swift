import BloomCore
import BloomTestSupport
import Testing

/// Spec §7.5/§7.6 against `incorporate.json`: the resampling indices exactly, mixed and merged phases within the
/// file's angular tolerance (bit-exact on the generating machine's libm; the count is reported).
@Suite(.dedicatedThread) struct IncorporateVectorTests {
    /// |a − b| as an angle, in [0, π].
    static func angleDistance(_ a: Double, _ b: Double) -> Double {
        abs((a - b).remainder(dividingBy: BloomConstants.twoPi))
    }

    static func phases(_ json: JSON) throws -> [Double] {
        try json.array.map { try $0.f64FromHex }
    }

    @Test func incorporate_resamplesAndMixesAsReference() throws {
        let file = try Vectors.load("incorporate.json")
        let tolerance = try file["tolerance_rad"].double
        let cases = try file["incorporate"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let local = try Self.phases(item["local_f64_hex"])
            let peer = try Self.phases(item["peer_f64_hex"])
            let weight = try item["weight"].double
            #expect(local.count == (try item["n_local"].int), "\(item.path) n_local")
            #expect(peer.count == (try item["n_peer"].int), "\(item.path) n_peer")
            if let indices = item.optional("resample_indices") {
                let expected = try indices.array.map { try $0.int }
                #expect(
                    PhaseMixing.resampleIndices(localCount: local.count, peerCount: peer.count) == expected,
                    "\(item.path) resample_indices"
                )
            } else {
                // The reference resamples only when the counts differ.
                #expect(local.count == peer.count, "\(item.path): no indices recorded for differing counts")
            }
            let expected = try Self.phases(item["output_f64_hex"])
            let output = try PhaseMixing.incorporatePeerPhases(local: local, peer: peer, weight: weight)
            #expect(output.count == expected.count, "\(item.path) output count")
            var bitExact = 0
            for (i, (ours, theirs)) in zip(output, expected).enumerated() {
                if ours.bitPattern == theirs.bitPattern { bitExact += 1 }
                #expect(Self.angleDistance(ours, theirs) <= tolerance, "\(item.path) output[\(i)]")
                #expect(ours >= 0 && ours <= BloomConstants.twoPi, "\(item.path) output[\(i)] range")
            }
            print("\(item.path): \(bitExact)/\(expected.count) outputs bit-exact")
        }
    }

    @Test func merge_mergesStatesAsReference() throws {
        let file = try Vectors.load("incorporate.json")
        let tolerance = try file["tolerance_rad"].double
        let cases = try file["merge"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let states = try item["states"].array.map { state in
                PhaseState(
                    phases: try Self.phases(state["phases_f64_hex"]),
                    rClaimed: try state["r"].double,
                    weight: try state["weight"].double
                )
            }
            let expected = try Self.phases(item["merged_phases_f64_hex"])
            let expectedR = try item["merged_r_f64"].f64FromHex
            let merged = try PhaseMixing.mergePhaseStates(states)
            #expect(merged.phases.count == expected.count, "\(item.path) merged count")
            var bitExact = 0
            for (i, (ours, theirs)) in zip(merged.phases, expected).enumerated() {
                if ours.bitPattern == theirs.bitPattern { bitExact += 1 }
                #expect(Self.angleDistance(ours, theirs) <= tolerance, "\(item.path) merged[\(i)]")
            }
            #expect(abs(merged.r - expectedR) <= tolerance, "\(item.path) merged_r")
            let rBitExact = merged.r.bitPattern == expectedR.bitPattern
            print("\(item.path): \(bitExact)/\(expected.count) merged phases bit-exact, r bit-exact \(rBitExact)")
        }
    }
}
