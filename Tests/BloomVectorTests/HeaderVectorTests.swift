import BloomCore
import BloomTestSupport
import Testing

/// headers.json: header decoding, encoding, bloom_hash and the target comparison, exact.
@Suite(.dedicatedThread) struct HeaderVectorTests {
    @Test func everyHeader_decodesToItsFieldsAndReencodes() throws {
        let headers = try Vectors.load("headers.json")["headers"].array
        #expect(!headers.isEmpty)
        for item in headers {
            let bytes = try item["header"].bytes
            let header = try BlockHeader(decoding: bytes)
            try CoreFieldChecks.expectHeader(header, equals: item["fields"])
            #expect(header.encoded() == bytes, "\(item.path) re-encode")
        }
    }

    @Test func everyHeader_hashesAsTheReference() throws {
        for item in try Vectors.load("headers.json")["headers"].array {
            let header = try BlockHeader(decoding: try item["header"].bytes)
            try CoreFieldChecks.expectHashDetail(header, equals: item)
        }
    }

    @Test func everyHeader_targetAndComparisonMatch() throws {
        for item in try Vectors.load("headers.json")["headers"].array {
            let header = try BlockHeader(decoding: try item["header"].bytes)
            let target = CompactTarget.target(fromCompact: header.difficulty)
            #expect(BigNumberText.hex(bigEndian: target) == (try item["target_hex"].string), "\(item.path).target_hex")
            let below = CompactTarget.hashMeetsTarget(header.hash, compact: header.difficulty)
            #expect(below == (try item["hash_below_target"].bool), "\(item.path).hash_below_target")
        }
    }

    /// The reference's `verify_bloom` (informational, never called by the node): hash below target, r (f32
    /// widened) ≥ f64 Z_C, N ≥ 7.
    @Test func everyHeader_verifyBloomOkFollowsTheThreeRules() throws {
        for item in try Vectors.load("headers.json")["headers"].array {
            let header = try BlockHeader(decoding: try item["header"].bytes)
            let ok = CompactTarget.hashMeetsTarget(header.hash, compact: header.difficulty)
                && !(Double(header.orderParameter) < BloomConstants.zC)
                && !(header.oscillatorCount < UInt32(BloomConstants.l4))
            #expect(ok == (try item["verify_bloom"]["ok"].bool), "\(item.path).verify_bloom")
        }
    }

    @Test func malformedHeaders_matchRecommended() throws {
        let cases = try Vectors.load("headers.json")["malformed_headers"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let recommended = try item["recommended"]
            let bytes = try item["bytes"].bytes
            let outcome: String
            do {
                _ = try BlockHeader(decoding: bytes)
                outcome = ReasonCode.valid.rawValue
            } catch {
                outcome = ReasonCode(error).rawValue
            }
            #expect((outcome == ReasonCode.valid.rawValue) == (try recommended["accept"].bool), "\(item.path)")
            #expect(outcome == (try recommended["reason"].string), "\(item.path)")
        }
    }
}
