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
        // Indices 0, step, …, (keptCount − 1)·step ≤ count − 1, converted in one pass (no per-element append).
        let keptCount = (phases.count + step - 1) / step
        let kept: [Float] = phases.withUnsafeBufferPointer { source in
            makeArray(count: keptCount) { out in
                if step == 1 {
                    // Every phase (N ≤ 256, the usual case): a plain loop the compiler vectorises.
                    for k in 0..<keptCount {
                        out[k] = Float(source[k])
                    }
                } else {
                    for k in 0..<keptCount {
                        out[k] = Float(source[k * step])
                    }
                }
            }
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
        writer.f32s(phases)
    }

    /// The payload bytes, written in place into one array of exactly ``payloadLength`` bytes.
    public func encoded() -> [UInt8] {
        let length = payloadLength
        return makeArray(count: length) { (buffer: UnsafeMutableBufferPointer<UInt8>) in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: r.bitPattern.littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: psi.bitPattern.littleEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: UInt32(truncatingIfNeeded: phases.count).littleEndian, toByteOffset: 8, as: UInt32.self)
            let body = UnsafeMutableRawBufferPointer(rebasing: raw[Self.headerSize..<length])
            phases.withUnsafeBytes { Self.storeLittleEndian($0, into: body) }
        }
    }

    /// Copies f32 values to wire order: the bytes as they are on a little-endian host (the wire's order, so one
    /// `memcpy`), byte-swapped per value otherwise.
    @inline(__always)
    private static func storeLittleEndian(_ values: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        #if _endian(little)
        out.copyMemory(from: values)
        #else
        for offset in stride(from: 0, to: values.count, by: 4) {
            let bits = values.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            out.storeBytes(of: bits.littleEndian, toByteOffset: offset, as: UInt32.self)
        }
        #endif
    }

    /// The §2.5 item 10 decoder. Checks, in this order: `too_short` (< 12 bytes), `n_out_of_range` (n = 0 or
    /// n > 9999), `truncated` (< 12 + 4n bytes), `non_finite` (r, psi, then each phase), `r_out_of_range`
    /// (r ∉ [0, 1]). Bytes after the n phases are ignored.
    /// - Throws: ``PayloadError`` naming the first failed rule.
    public init(decoding payload: [UInt8]) throws(PayloadError) {
        // What the frame decoder yields: read in place, no generic dispatch and no dynamic cast.
        let result = payload.withUnsafeBytes { raw in
            Result { () throws(PayloadError) in try Self.decode(raw) }
        }
        self = try result.get()
    }

    /// The same decoder over raw memory (e.g. a payload still inside a receive buffer); the bytes are not kept.
    /// - Throws: ``PayloadError`` naming the first failed rule.
    public init(decoding payload: UnsafeRawBufferPointer) throws(PayloadError) {
        self = try Self.decode(payload)
    }

    /// The same decoder over any byte collection: contiguous storage is read in place, anything else is copied
    /// once.
    /// - Throws: ``PayloadError`` naming the first failed rule.
    public init<C: Collection>(decoding payload: C) throws(PayloadError) where C.Element == UInt8 {
        let inPlace = payload.withContiguousStorageIfAvailable { buffer in
            Result { () throws(PayloadError) in try Self.decode(UnsafeRawBufferPointer(buffer)) }
        }
        if let inPlace {
            self = try inPlace.get()
        } else {
            try self.init(decoding: Array(payload))
        }
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
        // The length check above makes these 4n bytes present. They are copied into an aligned buffer first and
        // checked there (a loop over aligned f32 values the compiler vectorises).
        let body = UnsafeRawBufferPointer(rebasing: raw[headerSize..<(headerSize + 4 * n)])
        var nonFiniteIndex: Int?
        let phases: [Float] = makeArray(count: n) { out in
            Self.loadLittleEndian(body, into: UnsafeMutableRawBufferPointer(out))
            nonFiniteIndex = Self.firstNonFinite(UnsafeBufferPointer(out))
        }
        if let index = nonFiniteIndex {
            throw PayloadError(.phase, .nonFinite, at: headerSize + 4 * index, field: "phase.phases[\(index)]")
        }
        guard r >= 0 && r <= 1 else {
            throw PayloadError(.phase, .rOutOfRange, at: 0, field: "phase.r", detail: "\(r)")
        }
        return PhaseMessage(r: r, psi: psi, phases: phases)
    }

    /// Index of the first f32 with an all-ones exponent (NaN or ±infinity).
    ///
    /// A branch-free pass over all of them first, then the index search only for a bad message. The pass adds one
    /// to each exponent: only an all-ones exponent carries into bit 31, so OR-ing the sums and testing bit 31 finds
    /// one. Masks, adds and ORs only: the compiler vectorises the loop (a compare-and-select per value, the earlier
    /// form, was a fifth of a PHASE round trip's instructions).
    @inline(__always)
    private static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        let exponentMask: UInt32 = 0x7f80_0000
        let exponentOne: UInt32 = 0x0080_0000
        var carries: UInt32 = 0
        for value in values {
            carries |= (value.bitPattern & exponentMask) &+ exponentOne
        }
        if carries & 0x8000_0000 == 0 { return nil }
        return values.firstIndex { !$0.isFinite }
    }

    /// Wire f32 values into native ones: one `memcpy` on a little-endian host, byte-swapped per value otherwise.
    @inline(__always)
    private static func loadLittleEndian(_ wire: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        #if _endian(little)
        out.copyMemory(from: wire)
        #else
        for offset in stride(from: 0, to: wire.count, by: 4) {
            let bits = UInt32(littleEndian: wire.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            out.storeBytes(of: bits, toByteOffset: offset, as: UInt32.self)
        }
        #endif
    }
}

/// An array of `count` values written by `body` into a temporary buffer, then copied once by `Array(_:)`.
///
/// Why not `Array(repeating:count:)` or `Array(unsafeUninitializedCapacity:)`: for `Float` and `UInt8` both reach an
/// unspecialised runtime entry (`Array._allocateBufferUninitialized`) that looks up the array type's generic
/// metadata on every call: callgrind counted ≈ 530 instructions per array, against ≈ 20 for copying a PHASE's
/// 252 bytes. `Array(_:)` of a buffer pointer is specialised here and allocates directly.
@inline(__always)
func makeArray<T: BitwiseCopyable>(count: Int, _ body: (UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
    withUnsafeTemporaryAllocation(of: T.self, capacity: count) { buffer in
        body(buffer)
        return Array(UnsafeBufferPointer(buffer))
    }
}
