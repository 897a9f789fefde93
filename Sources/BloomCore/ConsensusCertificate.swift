/// The consensus certificate a miner attaches to a block (spec §4.6): the evidence that its oscillators held
/// coherence for L4 rounds.
public struct ConsensusCertificate: Hashable, Sendable {
    /// Size of the fixed fields before the r values.
    public static let fixedSize = 24

    /// Round index where the bloom began.
    public var bloomStart: UInt32
    /// Sealing round.
    public var bloomEnd: UInt32
    /// N; the number of final phases on the wire.
    public var oscillatorCount: UInt32
    /// Must be Z_C as f32 (`d7b35d3f`) for the Swift verify.
    public var threshold: Float
    /// Must be 7 for the Swift verify.
    public var requiredRounds: UInt32
    /// r per bloom round; its count k is shared with ``psiValues`` on the wire.
    public var rValues: [Float]
    /// ψ per bloom round; never checked except for NaN/Inf.
    public var psiValues: [Float]
    /// The phases at the sealing round.
    public var finalPhases: [Float]

    /// Creates a certificate from its fields; no check is made (see ``verify()``).
    public init(
        bloomStart: UInt32,
        bloomEnd: UInt32,
        oscillatorCount: UInt32,
        threshold: Float = BloomConstants.zCWire,
        requiredRounds: UInt32 = UInt32(BloomConstants.minCoherenceRounds),
        rValues: [Float],
        psiValues: [Float],
        finalPhases: [Float]
    ) {
        self.bloomStart = bloomStart
        self.bloomEnd = bloomEnd
        self.oscillatorCount = oscillatorCount
        self.threshold = threshold
        self.requiredRounds = requiredRounds
        self.rValues = rValues
        self.psiValues = psiValues
        self.finalPhases = finalPhases
    }

    /// Strict decode: the bytes must hold exactly one certificate (24 + 8k + 4N bytes).
    ///
    /// - Throws: `DecodeError` `.truncated` (a field, or k / N larger than the remaining bytes allow) or
    ///   `.trailingBytes`.
    public init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        self = try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> ConsensusCertificate in
            let certificate = try ConsensusCertificate(from: &reader)
            try reader.expectEnd("certificate")
            return certificate
        }
    }

    /// Reads one certificate. NaN, Inf and out-of-range values decode; ``verify()`` judges them.
    ///
    /// - Throws: `DecodeError` `.truncated` when a field or the counted values do not fit.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        bloomStart = try reader.readU32("certificate.bloom_start")
        bloomEnd = try reader.readU32("certificate.bloom_end")
        let nOffset = reader.offset
        oscillatorCount = try reader.readU32("certificate.oscillator_count")
        threshold = try reader.readF32("certificate.threshold")
        requiredRounds = try reader.readU32("certificate.required_rounds")
        // k r values and k ψ values: 8 bytes per count, checked before allocating.
        let k = try reader.readCount("certificate.k", minElementSize: 8)
        rValues = try Self.readFloats(k, &reader, "certificate.r_values")
        psiValues = try Self.readFloats(k, &reader, "certificate.psi_values")
        // N was read before the r/ψ values; the phases it counts come last, so check it against what is left now.
        let n = Int(oscillatorCount)
        if n > reader.remaining / 4 {
            throw DecodeError(.truncated, at: nOffset, field: "certificate.oscillator_count",
                              detail: "N = \(n) needs \(4 * n) bytes of phases, \(reader.remaining) left")
        }
        finalPhases = try Self.readFloats(n, &reader, "certificate.final_phases")
    }

    /// Reads `count` f32 values; the caller has checked that they fit.
    private static func readFloats(_ count: Int, _ reader: inout ByteReader, _ field: String) throws(DecodeError)
        -> [Float]
    {
        let raw = try reader.readSlice(4 * count, field)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                buffer[i] = Float(bitPattern: bits)
            }
            initialized = count
        }
    }

    /// Serialized size: 24 + 8k + 4 × (number of final phases), with k = the number of r values.
    public var serializedSize: Int {
        ConsensusCertificate.fixedSize + 8 * rValues.count + 4 * finalPhases.count
    }

    /// The serialization. k is `rValues.count`; the encoder writes `rValues.count` ψ values (missing ones as 0)
    /// so that the output always has the layout of §4.6. A certificate whose ψ count differs from its r count, or
    /// whose phase count differs from N, fails ``verify()``.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: serializedSize)
        encode(into: &writer)
        return writer.bytes
    }

    /// Appends the serialization to `writer` (see ``encoded()``).
    public func encode(into writer: inout ByteWriter) {
        writer.u32(bloomStart)
        writer.u32(bloomEnd)
        writer.u32(oscillatorCount)
        writer.f32(threshold)
        writer.u32(requiredRounds)
        writer.u32(UInt32(truncatingIfNeeded: rValues.count))
        for r in rValues { writer.f32(r) }
        for i in 0..<rValues.count { writer.f32(i < psiValues.count ? psiValues[i] : 0) }
        for phase in finalPhases { writer.f32(phase) }
    }
}
