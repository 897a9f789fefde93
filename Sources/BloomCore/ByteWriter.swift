/// Appends little-endian fields to a growing byte array.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    public mutating func u16(_ v: UInt16) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// binary32, little-endian; a `Double` argument must be rounded by the caller (`Float(x)`, nearest-even).
    public mutating func f32(_ v: Float) { u32(v.bitPattern) }

    /// Consecutive binary32 values, little-endian: one copy of the array's bytes on a little-endian host (the
    /// in-memory layout of `[Float]` is then the wire's), value by value otherwise.
    public mutating func f32s(_ values: [Float]) {
        #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
        for value in values { f32(value) }
        #endif
    }

    public mutating func hash(_ h: Hash256) { h.withUnsafeBytes { bytes.append(contentsOf: $0) } }

    public mutating func append<S: Sequence>(_ s: S) where S.Element == UInt8 { bytes.append(contentsOf: s) }
}
