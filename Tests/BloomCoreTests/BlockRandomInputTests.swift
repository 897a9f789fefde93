import BloomCore
import BloomTestSupport
import Testing

/// Mutated and random bytes through every core decoder: each must return a value or a typed error, never trap,
/// and a block that decodes must survive the structure checks.
@Suite(.dedicatedThread) struct BlockRandomInputTests {
    /// xorshift64*: deterministic, so a failure reproduces.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    static let decodeReasons: Set<ReasonCode> = [.blockTooLarge, .decodeError, .lengthMismatch, .trailingBytes]

    /// Decodes `bytes` with every decoder; returns the block decoder's reason (nil when it decoded).
    static func feed(_ bytes: [UInt8]) -> ReasonCode? {
        _ = try? BlockHeader(decoding: bytes.prefix(BlockHeader.size))
        _ = try? Transaction(decoding: bytes)
        _ = try? ConsensusCertificate(decoding: bytes)
        do {
            let block = try Block(decoding: bytes)
            _ = block.checkStructure()
            #expect(block.serialized() == bytes, "a decoded block re-encodes to its bytes")
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func mutatedBlocks_decodeOrFailWithADecodeReason() {
        var rng = Generator(state: 0x9E37_79B9_7F4A_7C15)
        let valid = BlockTestFixtures.block().serialized()
        var decoded = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] = UInt8.random(in: 0...255, using: &rng)
            }
            if let reason = Self.feed(bytes) {
                #expect(Self.decodeReasons.contains(reason), "\(reason)")
            } else {
                decoded += 1
            }
        }
        // Most single-byte changes (hashes, amounts, signatures) still decode.
        #expect(decoded > 0)
    }

    @Test func randomBytes_failWithADecodeReason() {
        var rng = Generator(state: 42)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...700, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let reason = Self.feed(bytes) {
                #expect(Self.decodeReasons.contains(reason), "\(reason)")
            }
        }
    }
}
