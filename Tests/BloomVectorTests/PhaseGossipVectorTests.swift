import BloomCore
import BloomTestSupport
import BloomWire
import Testing

/// `phase_gossip.json` (spec §7.1, §2.5 item 10): the PHASE encoder from f64 input, COHERENCE payloads, and the
/// recommended outcome for unusual PHASE payloads.
@Suite(.dedicatedThread) struct PhaseGossipVectorTests {
    /// See `MessagesVectorTests.wireFloat`: JSON numbers that are widened f32 values, compared as f32.
    static func wireFloat(_ json: JSON) throws -> Float { Float(try json.double) }

    @Test func phase_encodesFromF64Input_withTheReferenceDownsampling() throws {
        let file = try Vectors.load("phase_gossip.json")
        for item in try file["phase"].array {
            let input = try item["input_phases_f64_hex"].array.map { try $0.f64FromHex }
            #expect(input.count == (try item["n_input"].int), "\(item.path)")
            let r = try item["r_f64"].f64FromHex
            let psi = try item["psi_f64"].f64FromHex

            let step = PhaseMessage.downsampleStep(count: input.count)
            #expect(step == (try item["downsample_step"].int), "\(item.path)")
            let indices = PhaseMessage.selectedIndices(count: input.count)
            #expect(indices == (try item["selected_indices"].array.map { try $0.int }), "\(item.path)")

            let message = PhaseMessage(encoding: input, r: r, psi: psi)
            #expect(message.phases.count == (try item["n_encoded"].int), "\(item.path)")
            #expect(message.phases == indices.map { Float(input[$0]) }, "\(item.path)")
            let payload = message.encoded()
            #expect(payload == (try item["payload"].bytes), "\(item.path): payload")
            #expect(payload.count == (try item["payload_len"].int), "\(item.path)")

            let decoded = try PhaseMessage(decoding: payload)
            #expect(decoded == message, "\(item.path)")
            #expect(decoded.r == (try Self.wireFloat(item["decoded_r"])), "\(item.path)")
            #expect(decoded.psi == (try Self.wireFloat(item["decoded_psi"])), "\(item.path)")
            #expect(decoded.phases == (try item["decoded_phases"].array.map(Self.wireFloat)), "\(item.path)")
        }
    }

    @Test func coherence_payloadsFromF64_andDecodedR() throws {
        let file = try Vectors.load("phase_gossip.json")
        for item in try file["coherence"].array {
            let message = CoherenceMessage(r: try item["r"].double, psi: try item["psi"].double)
            let payload = PeerMessage.coherence(message).encodedPayload()
            #expect(payload == (try item["payload"].bytes), "\(item.path): payload")
            let action = MessageClassifier.classify(type: .coherence, payload: payload, peerServices: [])
            guard case .accept(.coherence(let decoded)) = action else {
                Issue.record("\(item.path): \(action)")
                continue
            }
            #expect(decoded == message)
            let stored = try Self.wireFloat(item["node_handle_coherence"]["peer_coherence"])
            #expect(decoded.r == stored, "\(item.path): peer coherence")
        }
    }

    @Test func malformedPhase_matchesTheRecommendedOutcome() throws {
        let file = try Vectors.load("phase_gossip.json")
        for item in try file["malformed_phase"].array {
            let payload = try item["payload"].bytes
            #expect(payload.count == (try item["payload_len"].int), "\(item.path)")
            let recommended = try item["recommended"]
            let reason = try recommended["reason"].string
            let accept = try recommended["accept"].bool
            switch Result(catching: { () throws(PayloadError) in try PhaseMessage(decoding: payload) }) {
            case .success(let message):
                #expect(accept, "\(item.path): accepted, recommended \(reason)")
                #expect(message.phases.count == (try recommended["n"].int), "\(item.path)")
                #expect(reason == "valid", "\(item.path)")
            case .failure(let error):
                #expect(!accept, "\(item.path): rejected as \(error)")
                #expect(error.reason.rawValue == reason, "\(item.path): \(error.reason.rawValue) vs \(reason)")
            }
            // The classifier agrees with the decoder.
            let verdict = MessageClassifier.classify(type: .phase, payload: payload, peerServices: []).verdict
            #expect((verdict == .accept) == accept, "\(item.path)")
        }
    }
}
