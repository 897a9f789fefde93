import BloomCore
import BloomTestSupport
import Testing

/// certificates.json: strict decoding, the Swift verify (§4.6, §5 step 3), the recomputed r and every field.
@Suite(.dedicatedThread) struct CertificateVectorTests {
    /// The §11 code the node gives these bytes: `decode_error` (or another decode code), or verify's result.
    static func outcome(_ bytes: [UInt8]) -> ReasonCode {
        do {
            return try ConsensusCertificate(decoding: bytes).verify() ?? .valid
        } catch {
            return ReasonCode(error)
        }
    }

    @Test func everyCertificate_verdictMatchesRecommended() throws {
        let certificates = try Vectors.load("certificates.json")["certificates"].array
        #expect(!certificates.isEmpty)
        for item in certificates {
            let bytes = try item["bytes"].bytes
            #expect(bytes.count == (try item["length"].int), "\(item.path).length")
            let outcome = Self.outcome(bytes)
            let recommended = try item["recommended"]
            #expect((outcome == .valid) == (try recommended["ok"].bool), "\(item.path).ok")
            #expect(outcome.rawValue == (try recommended["reason"].string), "\(item.path).reason")
        }
    }

    @Test func everyDecodableCertificate_recomputesRAsTheReference() throws {
        for item in try Vectors.load("certificates.json")["certificates"].array {
            let bytes = try item["bytes"].bytes
            guard let hex = item.optional("recomputed_r_from_f32_phases_f64") else {
                // null exactly when the bytes do not decode.
                #expect(throws: DecodeError.self, "\(item.path)") { try ConsensusCertificate(decoding: bytes) }
                continue
            }
            let expected = try hex.f64FromHex
            let r = try ConsensusCertificate(decoding: bytes).recomputedR
            if expected.isNaN {
                #expect(r.isNaN, "\(item.path)")
            } else {
                #expect(r.bitPattern == expected.bitPattern || abs(r - expected) <= 1e-12, "\(item.path) r = \(r)")
            }
            let value = try item["recomputed_r"].double
            #expect(value.isNaN ? r.isNaN : abs(r - value) <= 1e-12, "\(item.path).recomputed_r")
        }
    }

    @Test func everyDecodableCertificate_fieldsMatchAndReencode() throws {
        var checked = 0
        for item in try Vectors.load("certificates.json")["certificates"].array {
            guard let fields = item.optional("fields") else { continue }
            let bytes = try item["bytes"].bytes
            let certificate = try ConsensusCertificate(decoding: bytes)
            let at = fields.path
            #expect(UInt64(certificate.bloomStart) == (try fields["bloom_start"].uint64), "\(at).bloom_start")
            #expect(UInt64(certificate.bloomEnd) == (try fields["bloom_end"].uint64), "\(at).bloom_end")
            #expect(UInt64(certificate.oscillatorCount) == (try fields["oscillator_count"].uint64), "\(at).N")
            #expect(try CoreFieldChecks.same(certificate.threshold, fields["threshold_f32"]), "\(at).threshold")
            #expect(UInt64(certificate.requiredRounds) == (try fields["required_rounds"].uint64), "\(at).rounds")
            #expect(certificate.rValues.count == (try fields["num_r_values"].int), "\(at).num_r_values")
            try Self.expect(certificate.rValues, equal: fields["r_values_f32"])
            try Self.expect(certificate.psiValues, equal: fields["psi_values_f32"])
            try Self.expect(certificate.finalPhases, equal: fields["final_phases_f32"])
            #expect(certificate.finalPhases.count == Int(certificate.oscillatorCount), "\(at) phase count")
            #expect(certificate.encoded() == bytes, "\(item.path) re-encode")
            #expect(certificate.serializedSize == bytes.count, "\(item.path) size")
            checked += 1
        }
        #expect(checked > 0)
    }

    static func expect(_ values: [Float], equal list: JSON) throws {
        let expected = try list.array
        #expect(values.count == expected.count, "\(list.path) count")
        for (value, item) in zip(values, expected) {
            #expect(try CoreFieldChecks.same(value, item), "\(item.path)")
        }
    }
}
