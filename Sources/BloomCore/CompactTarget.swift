/// The compact difficulty codec and the target comparison (spec §3.3, §3.4), reference-exact.
///
/// Targets are unbounded integers in the reference (exponents ≥ 33 give targets ≥ 2^256), so they are held here
/// as big-endian magnitude bytes. Every shift in the codec is a whole number of bytes, so byte arrays suffice.
public enum CompactTarget {
    /// Big-endian magnitude bytes of the target, no leading zero bytes ([] for 0); may exceed 32 bytes.
    ///
    /// `compact_to_target`: exponent = bits 24–31, mantissa = bits 0–23 (no sign bit); exponent ≤ 3 shifts the
    /// mantissa right by 8 × (3 − exponent), otherwise left by 8 × (exponent − 3).
    public static func target(fromCompact compact: UInt32) -> [UInt8] {
        let exponent = Int(compact >> 24)
        var mantissa = compact & 0x00FF_FFFF
        var trailingZeroBytes = 0
        if exponent <= 3 {
            mantissa >>= UInt32(8 * (3 - exponent))
        } else {
            trailingZeroBytes = exponent - 3
        }
        var bytes = [UInt8((mantissa >> 16) & 0xFF), UInt8((mantissa >> 8) & 0xFF), UInt8(mantissa & 0xFF)]
        bytes = stripLeadingZeros(bytes)
        if bytes.isEmpty { return [] }
        bytes.append(contentsOf: repeatElement(0, count: trailingZeroBytes))
        return bytes
    }

    /// `target_to_compact`, including the reference's quirks: a target of at most 3 bytes keeps exponent 3
    /// (so 1 encodes as 0x03010000), and a mantissa with bit 23 set is shifted down one byte.
    ///
    /// - Parameter bigEndian: the target's big-endian bytes; leading zero bytes are allowed.
    /// - Returns: the compact bits; an exponent above 255 (a target of more than 255 bytes, which the reference
    ///   would turn into an integer wider than 32 bits) is truncated to its low 8 bits.
    public static func compact(fromTarget bigEndian: [UInt8]) -> UInt32 {
        let target = stripLeadingZeros(bigEndian)
        if target.isEmpty { return 0 }
        let size = target.count
        var mantissa: UInt32 = 0
        for i in 0..<3 {
            mantissa = (mantissa << 8) | (i < size ? UInt32(target[i]) : 0)
        }
        var exponent = size <= 3 ? 3 : size
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8
            exponent += 1
        }
        return (UInt32(truncatingIfNeeded: exponent) << 24) | (mantissa & 0x00FF_FFFF)
    }

    /// Whether `hash`, read as a little-endian 256-bit integer (byte 31 most significant), is below the target
    /// of `compact`. Any hash is below a target ≥ 2^256.
    public static func hashMeetsTarget(_ hash: Hash256, compact: UInt32) -> Bool {
        let target = target(fromCompact: compact)
        if target.count > 32 { return true }
        let padded = [UInt8](repeating: 0, count: 32 - target.count) + target
        let hashBigEndian = Array(hash.bytes.reversed())
        return hashBigEndian.lexicographicallyPrecedes(padded)
    }

    private static func stripLeadingZeros(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return [] }
        return Array(bytes[first...])
    }
}
