import BloomCore
import BloomTestSupport
import Testing

/// The §6.3 order parameter against every phase vector whose r/ψ the reference recorded.
@Suite(.dedicatedThread) struct OrderParameterVectorTests {
    @Test func phaseGossipInputs_matchReferenceBitForBit() throws {
        let file = try Vectors.load("phase_gossip.json")
        for item in try file["phase"].array {
            let phases = try item["input_phases_f64_hex"].array.map { try $0.f64FromHex }
            let (r, psi) = OrderParameter.compute(phases)
            #expect(r.bitPattern == (try item["r_f64"].f64FromHex).bitPattern, "\(item.path) r")
            #expect(psi.bitPattern == (try item["psi_f64"].f64FromHex).bitPattern, "\(item.path) psi")
        }
    }

    @Test func genesisLinspace_matchesReferenceBitForBit() throws {
        let file = try Vectors.load("genesis.json")
        for item in try file["genesis"].array {
            let phases = try item["linspace_phases_f64_hex"].array.map { try $0.f64FromHex }
            let (r, psi) = OrderParameter.compute(phases)
            #expect(r.bitPattern == (try item["genesis_r_f64"].f64FromHex).bitPattern, "\(item.path) r")
            #expect(psi.bitPattern == (try item["genesis_psi_f64"].f64FromHex).bitPattern, "\(item.path) psi")
        }
    }
}
