import BloomCore
import BloomTestSupport
import Testing

/// lucas_compact.json: Lucas traces, nonce prefixes and the compact difficulty codec, exact.
@Suite(.dedicatedThread) struct LucasCompactVectorTests {
    @Test func lucasTrace_matchesEveryN() throws {
        let cases = try Vectors.load("lucas_compact.json")["lucas_trace"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let n = try item["n"].uint64
            #expect(UInt64(Lucas.trace(n)) == (try item["lucas_trace_mod_2_32"].uint64), "\(item.path)")
        }
    }

    @Test func noncePrefix_matchesIndexTraceAndBytes() throws {
        let cases = try Vectors.load("lucas_compact.json")["nonce_prefix"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let nonce = UInt32(try item["nonce"].uint64)
            let index = UInt64(nonce % 1000)
            #expect(index == (try item["index"].uint64), "\(item.path) index")
            #expect(UInt64(Lucas.trace(index)) == (try item["trace"].uint64), "\(item.path) trace")
            #expect(UInt64(Lucas.prefix(nonce: nonce)) == (try item["trace"].uint64), "\(item.path) prefix value")
            var writer = ByteWriter()
            writer.u32(Lucas.prefix(nonce: nonce))
            #expect(writer.bytes == (try item["prefix_le"].bytes), "\(item.path) prefix bytes")
        }
    }

    @Test func compactToTarget_matchesTargetThirtyTwoByteFormAndRoundTrip() throws {
        let cases = try Vectors.load("lucas_compact.json")["compact_to_target"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let compact = UInt32(try item["compact"].hexOrInt)
            let target = CompactTarget.target(fromCompact: compact)
            #expect(target.first != 0, "\(item.path) has a leading zero byte")
            #expect(BigNumberText.hex(bigEndian: target) == (try item["target_hex"].string), "\(item.path) target")
            if let form = item.optional("target_32be") {
                let expected = try form.bytes
                #expect(target.count <= 32, "\(item.path) fits 32 bytes")
                #expect([UInt8](repeating: 0, count: max(0, 32 - target.count)) + target == expected, "\(item.path)")
            } else {
                // null exactly when the target is ≥ 2^256.
                #expect(target.count > 32, "\(item.path) target_32be null but target < 2^256")
            }
            let roundTrip = UInt32(try item["roundtrip_compact"].hexOrInt)
            #expect(CompactTarget.compact(fromTarget: target) == roundTrip, "\(item.path) round trip")
        }
    }

    @Test func targetToCompact_matchesEveryTarget() throws {
        let cases = try Vectors.load("lucas_compact.json")["target_to_compact"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let hex = try item["target_hex"].string
            let padded = hex.count % 2 == 1 ? "0" + hex : hex
            let target = try #require([UInt8](hex: padded), "\(item.path) target hex")
            let expected = UInt32(try item["compact"].hexOrInt)
            #expect(CompactTarget.compact(fromTarget: target) == expected, "\(item.path)")
        }
    }
}
