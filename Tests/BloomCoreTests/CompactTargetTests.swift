import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct CompactTargetTests {
    /// A hash whose little-endian integer value has these big-endian bytes (at most 32).
    static func hash(bigEndian: [UInt8]) -> Hash256 {
        let padded = [UInt8](repeating: 0, count: 32 - bigEndian.count) + bigEndian
        return Hash256(bytes: padded.reversed()) ?? .zero
    }

    @Test func target_ofTheSpecExamples() {
        #expect(CompactTarget.target(fromCompact: 0x1d00_ffff) == [0xFF, 0xFF] + [UInt8](repeating: 0, count: 26))
        #expect(CompactTarget.target(fromCompact: 0x2101_0000) == [1] + [UInt8](repeating: 0, count: 32))
        #expect(CompactTarget.target(fromCompact: 0x0212_3456) == [0x12, 0x34])
        #expect(CompactTarget.target(fromCompact: 0x0012_3456) == [])
        #expect(CompactTarget.target(fromCompact: 0x0400_0000) == [])
        // The mantissa's bit 23 is not a sign.
        #expect(CompactTarget.target(fromCompact: 0x0380_0000) == [0x80, 0, 0])
    }

    @Test func compact_reproducesTheReferenceQuirks() {
        #expect(CompactTarget.compact(fromTarget: []) == 0)
        #expect(CompactTarget.compact(fromTarget: [0, 0]) == 0)
        #expect(CompactTarget.compact(fromTarget: [1]) == 0x0301_0000)
        #expect(CompactTarget.compact(fromTarget: [0x80]) == 0x0400_8000)
        #expect(CompactTarget.compact(fromTarget: [0x12, 0x34]) == 0x0312_3400)
        #expect(CompactTarget.compact(fromTarget: CompactTarget.target(fromCompact: 0x20ff_ffff)) == 0x2100_ffff)
        #expect(CompactTarget.compact(fromTarget: [0, 0, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 26)) == 0x1d00_ffff)
    }

    @Test func hashMeetsTarget_isStrictlyLessThan() {
        let compact: UInt32 = 0x2100_ffff  // 0xffff × 2^240, just below 2^256
        let target = CompactTarget.target(fromCompact: compact)
        #expect(target.count == 32)
        #expect(!CompactTarget.hashMeetsTarget(Self.hash(bigEndian: target), compact: compact))
        var below = target
        below[1] = 0xFE
        #expect(CompactTarget.hashMeetsTarget(Self.hash(bigEndian: below), compact: compact))
        let top = Self.hash(bigEndian: [UInt8](repeating: 0xFF, count: 32))
        #expect(!CompactTarget.hashMeetsTarget(top, compact: compact))
    }

    @Test func hashMeetsTarget_readsTheHashLittleEndian() {
        // Byte 0 of the hash is the least significant: a hash with only byte 0 set is tiny.
        let small = Hash256(bytes: [0xFF] + [UInt8](repeating: 0, count: 31)) ?? .zero
        let large = Hash256(bytes: [UInt8](repeating: 0, count: 31) + [0x01]) ?? .zero
        #expect(CompactTarget.hashMeetsTarget(small, compact: 0x1d00_ffff))
        #expect(!CompactTarget.hashMeetsTarget(large, compact: 0x1d00_ffff))
    }

    @Test func hashMeetsTarget_zeroTargetNeverAndTargetsOf2To256Always() {
        #expect(!CompactTarget.hashMeetsTarget(.zero, compact: 0))
        let top = Hash256(bytes: [UInt8](repeating: 0xFF, count: 32)) ?? .zero
        #expect(CompactTarget.hashMeetsTarget(top, compact: 0x2101_0000))
        #expect(CompactTarget.hashMeetsTarget(top, compact: 0xFFFF_FFFF))
    }
}
