/// A block header (spec §4.1): 92 bytes, little-endian fields.
public struct BlockHeader: Hashable, Sendable {
    /// Serialized size in bytes.
    public static let size = 92

    /// 1 for every reference block; not checked (§5 row 20).
    public var version: UInt32
    /// bloom_hash of the parent; zero for genesis.
    public var prevHash: Hash256
    /// Merkle root of the block's txids (§4.7).
    public var merkleRoot: Hash256
    /// Unix seconds.
    public var timestamp: UInt32
    /// Compact target bits (§3.4).
    public var difficulty: UInt32
    /// The Lucas nonce of the successful attempt; selects the hash prefix (§3.2).
    public var nonce: UInt32
    /// Order parameter r at the sealing round (f32 on the wire).
    public var orderParameter: Float
    /// Mean phase ψ at the sealing round; not checked by the decoder (§4.1).
    public var meanPhase: Float
    /// N, the number of oscillators.
    public var oscillatorCount: UInt32

    /// Creates a header from its fields; no check is made (the decoder and block validation do that).
    public init(
        version: UInt32,
        prevHash: Hash256,
        merkleRoot: Hash256,
        timestamp: UInt32,
        difficulty: UInt32,
        nonce: UInt32,
        orderParameter: Float,
        meanPhase: Float,
        oscillatorCount: UInt32
    ) {
        self.version = version
        self.prevHash = prevHash
        self.merkleRoot = merkleRoot
        self.timestamp = timestamp
        self.difficulty = difficulty
        self.nonce = nonce
        self.orderParameter = orderParameter
        self.meanPhase = meanPhase
        self.oscillatorCount = oscillatorCount
    }

    /// Decodes exactly 92 bytes with the reference's rules (§4.1).
    ///
    /// - Throws: `DecodeError` `.truncated` when the input is shorter than 92 bytes; `.invalidValue` when it is
    ///   longer (a header has one fixed size, so extra bytes make it a wrong header, §11 `decode_error`, not
    ///   trailing bytes after a good one), when r (widened to f64) is outside [0, 1] or NaN, or when N is 0.
    public init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        if bytes.count > BlockHeader.size {
            throw DecodeError(.invalidValue, at: 0, field: "header",
                              detail: "must be \(BlockHeader.size) bytes, got \(bytes.count)")
        }
        self = try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> BlockHeader in
            try BlockHeader(from: &reader)
        }
    }

    /// Reads one 92-byte header from `reader`, with the checks of ``init(decoding:)``.
    ///
    /// - Throws: `DecodeError` when fewer than 92 bytes remain or a field is invalid.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        // Checked up front so that a short header reports the header's start, not a field deep inside it.
        if reader.remaining < BlockHeader.size {
            throw DecodeError(.truncated, at: start, field: "header",
                              detail: "needs \(BlockHeader.size) bytes, \(reader.remaining) left")
        }
        version = try reader.readU32("header.version")
        prevHash = try reader.readHash("header.prev_hash")
        merkleRoot = try reader.readHash("header.merkle_root")
        timestamp = try reader.readU32("header.timestamp")
        difficulty = try reader.readU32("header.difficulty")
        nonce = try reader.readU32("header.nonce")
        let rOffset = reader.offset
        orderParameter = try reader.readF32("header.order_parameter")
        meanPhase = try reader.readF32("header.mean_phase")
        let nOffset = reader.offset
        oscillatorCount = try reader.readU32("header.oscillator_count")
        let r = Double(orderParameter)
        // `!(0...1).contains` is also true for NaN, which the reference rejects too.
        if !(r >= 0 && r <= 1) {
            throw DecodeError(.invalidValue, at: rOffset, field: "header.order_parameter",
                              detail: "r = \(r) is outside [0, 1]")
        }
        if oscillatorCount == 0 {
            throw DecodeError(.invalidValue, at: nOffset, field: "header.oscillator_count", detail: "N = 0")
        }
    }

    /// The 92 serialized bytes.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: BlockHeader.size)
        encode(into: &writer)
        return writer.bytes
    }

    /// Appends the 92 serialized bytes to `writer`.
    public func encode(into writer: inout ByteWriter) {
        writer.u32(version)
        writer.hash(prevHash)
        writer.hash(merkleRoot)
        writer.u32(timestamp)
        writer.u32(difficulty)
        writer.u32(nonce)
        writer.f32(orderParameter)
        writer.f32(meanPhase)
        writer.u32(oscillatorCount)
    }
}
