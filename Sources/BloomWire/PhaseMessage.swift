import BloomCore

/// PHASE (0x20): a snapshot of an oscillator ensemble, `f32 r, f32 psi, u32 n, n × f32 phases` (spec §2.3, §7).
///
/// Values are kept as the wire's f32; widen with `Double(_:)` (exact) for any later arithmetic.
public struct PhaseMessage: Hashable, Sendable {
    /// Order parameter of the sender's ensemble.
    public var r: Float
    /// Mean phase of the sender's ensemble.
    public var psi: Float
    /// The (possibly downsampled) phases.
    public var phases: [Float]

    /// Bytes before the phases: r, psi, n.
    public static let headerSize = 12

    /// A PHASE with wire values, phases already selected.
    public init(r: Float, psi: Float, phases: [Float]) {
        self.r = r
        self.psi = psi
        self.phases = phases
    }

    /// The §7.1 encoder: keeps every `downsampleStep(count:)`-th phase and rounds r, psi and each kept phase to
    /// f32 (nearest-even).
    ///
    /// An empty `phases` gives n = 0, which receivers reject (§2.5 item 10): callers send non-empty ensembles.
    public init(encoding phases: [Double], r: Double, psi: Double) {
        let step = Self.downsampleStep(count: phases.count)
        var kept: [Float] = []
        kept.reserveCapacity((phases.count + step - 1) / step)
        for index in stride(from: 0, to: phases.count, by: step) {
            kept.append(Float(phases[index]))
        }
        self.init(r: Float(r), psi: Float(psi), phases: kept)
    }

    /// 1 up to 256 phases; above that `count / 64` (integer division), so 300 phases → step 4 → 75 kept.
    public static func downsampleStep(count: Int) -> Int {
        count > WireLimits.phaseDownsampleThreshold ? count / WireLimits.phaseDownsampleTarget : 1
    }

    /// The input indices the encoder keeps: 0, step, 2·step, … < count.
    public static func selectedIndices(count: Int) -> [Int] {
        Array(stride(from: 0, to: max(count, 0), by: downsampleStep(count: count)))
    }

    /// The payload size of this message.
    public var payloadLength: Int { Self.headerSize + 4 * phases.count }

    /// Writes the payload.
    public func encode(into writer: inout ByteWriter) {
        writer.f32(r)
        writer.f32(psi)
        writer.u32(UInt32(truncatingIfNeeded: phases.count))
        for phase in phases { writer.f32(phase) }
    }

    /// The payload bytes.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: payloadLength)
        encode(into: &writer)
        return writer.bytes
    }

    /// The §2.5 item 10 decoder. Checks, in this order: `too_short` (< 12 bytes), `n_out_of_range` (n = 0 or
    /// n > 9999), `truncated` (< 12 + 4n bytes), `non_finite` (r, psi, then each phase), `r_out_of_range`
    /// (r ∉ [0, 1]). Bytes after the n phases are ignored.
    /// - Throws: ``PayloadError`` naming the first failed rule.
    public init<C: Collection>(decoding payload: C) throws(PayloadError) where C.Element == UInt8 {
        // A [UInt8] payload (what the frame decoder yields) is read in place; other collections are copied once.
        let bytes = payload as? [UInt8] ?? Array(payload)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(PayloadError) in try Self.decode(raw) }
        }
        self = try result.get()
    }

    private static func decode(_ raw: UnsafeRawBufferPointer) throws(PayloadError) -> PhaseMessage {
        guard raw.count >= headerSize else {
            throw PayloadError(.phase, .tooShort, at: 0, field: "phase", detail: "\(raw.count) bytes, needs 12")
        }
        let r = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let psi = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        let n = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        guard n >= 1 && n <= WireLimits.maxPhaseCount else {
            throw PayloadError(.phase, .countOutOfRange, at: 8, field: "phase.n", detail: "n = \(n)")
        }
        // n ≤ 9999 was checked, so 4n cannot overflow; nothing is allocated before this length check.
        guard raw.count - headerSize >= 4 * n else {
            throw PayloadError(.phase, .truncated, at: 12, field: "phase.phases",
                               detail: "n = \(n) needs \(4 * n) bytes, \(raw.count - headerSize) left")
        }
        guard r.isFinite else { throw PayloadError(.phase, .nonFinite, at: 0, field: "phase.r", detail: "\(r)") }
        guard psi.isFinite else {
            throw PayloadError(.phase, .nonFinite, at: 4, field: "phase.psi", detail: "\(psi)")
        }
        var phases = [Float](repeating: 0, count: n)
        var firstNonFinite: Int?
        phases.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: headerSize + 4 * i, as: UInt32.self))
                let value = Float(bitPattern: bits)
                if !value.isFinite && firstNonFinite == nil { firstNonFinite = i }
                out[i] = value
            }
        }
        if let index = firstNonFinite {
            throw PayloadError(.phase, .nonFinite, at: headerSize + 4 * index, field: "phase.phases[\(index)]")
        }
        guard r >= 0 && r <= 1 else {
            throw PayloadError(.phase, .rOutOfRange, at: 0, field: "phase.r", detail: "\(r)")
        }
        return PhaseMessage(r: r, psi: psi, phases: phases)
    }
}
