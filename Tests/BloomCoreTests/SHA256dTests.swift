import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct SHA256dTests {
    @Test func hash_ofEmptyInput_isTheWellKnownDoubleSHA256() {
        // SHA-256(SHA-256("")), as Bitcoin tooling prints it (unreversed).
        #expect(SHA256d.hash([UInt8]()).hex == "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456")
    }

    @Test func hash_sameForContiguousNonContiguousAndRawInput() {
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let expected = SHA256d.hash(bytes)
        #expect(SHA256d.hash(bytes[10...].prefix(0)) == SHA256d.hash([UInt8]()))
        #expect(SHA256d.hash(bytes.lazy.map { $0 }) == expected)
        #expect(bytes.withUnsafeBytes { SHA256d.hash($0) } == expected)
        #expect(SHA256d.hash(bytes[1...]) != expected)
    }
}
