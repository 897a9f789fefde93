/// A bounds-checked little-endian cursor over a byte buffer.
///
/// Reads never trap: a read past the end throws ``DecodeError`` with kind `.truncated` and the offset of the
/// field. Offsets are reported relative to `base`, so a reader over a slice of a larger message still points at
/// the right byte of that message.
public struct ByteReader: ~Copyable {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Position of the next byte to read, relative to the start of `bytes`.
    public private(set) var position: Int
    /// Offset of `bytes` within the outermost message, for error reporting.
    public let base: Int

    /// Creates a reader. The caller keeps `bytes` alive for the reader's lifetime.
    public init(_ bytes: UnsafeRawBufferPointer, base: Int = 0) {
        self.bytes = bytes
        self.position = 0
        self.base = base
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }
    /// Absolute offset (including `base`) of the next byte.
    public var offset: Int { base + position }
    public var isAtEnd: Bool { position == bytes.count }

    /// The bounds check of every read. The check is inlined into each read; building the error (a string with
    /// the counts) is not, so the reads stay small (callgrind: 60 instructions a check with the error inlined).
    @inline(__always)
    mutating func need(_ n: Int, _ field: String) throws(DecodeError) {
        if n < 0 || n > bytes.count - position {
            throw truncated(needing: n, field)
        }
    }

    @inline(never)
    func truncated(needing n: Int, _ field: String) -> DecodeError {
        DecodeError(.truncated, at: base + position, field: field,
                    detail: "needs \(n) bytes, \(bytes.count - position) left")
    }

    @inline(__always)
    public mutating func readU8(_ field: String) throws(DecodeError) -> UInt8 {
        try need(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    public mutating func readU16(_ field: String) throws(DecodeError) -> UInt16 {
        try need(2, field)
        defer { position += 2 }
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self))
    }

    @inline(__always)
    public mutating func readU32(_ field: String) throws(DecodeError) -> UInt32 {
        try need(4, field)
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    @inline(__always)
    public mutating func readU64(_ field: String) throws(DecodeError) -> UInt64 {
        try need(8, field)
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    /// An IEEE-754 binary32, little-endian. NaN and infinities are returned as they are: the caller decides.
    @inline(__always)
    public mutating func readF32(_ field: String) throws(DecodeError) -> Float {
        Float(bitPattern: try readU32(field))
    }

    @inline(__always)
    public mutating func readHash(_ field: String) throws(DecodeError) -> Hash256 {
        try need(32, field)
        defer { position += 32 }
        return Hash256(UnsafeRawBufferPointer(rebasing: bytes[position..<position + 32]))
    }

    public mutating func readBytes(_ count: Int, _ field: String) throws(DecodeError) -> [UInt8] {
        try need(count, field)
        defer { position += count }
        // From a raw buffer rather than a slice of one: the slice's generic copy cost ≈ 250 instructions for a
        // 64-byte signature (callgrind).
        return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
    }

    /// Reads `count` bytes as a raw slice without copying; valid as long as the underlying buffer.
    @inline(__always)
    public mutating func readSlice(_ count: Int, _ field: String) throws(DecodeError) -> UnsafeRawBufferPointer {
        try need(count, field)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
    }

    /// Reads a u32 element count and checks, before anything is allocated, that `count × minElementSize` bytes
    /// can still follow and that the count is within `limit`. A count of four billion therefore costs nothing.
    public mutating func readCount(
        _ field: String,
        minElementSize: Int,
        limit: Int = Int(UInt32.max)
    ) throws(DecodeError) -> Int {
        let at = offset
        let count = Int(try readU32(field))
        if count > limit || (minElementSize > 0 && count > remaining / minElementSize) {
            throw badCount(count, at: at, field, minElementSize: minElementSize, limit: limit)
        }
        return count
    }

    /// The error of `readCount`, built out of line like `truncated(needing:_:)`.
    @inline(never)
    func badCount(_ count: Int, at: Int, _ field: String, minElementSize: Int, limit: Int) -> DecodeError {
        if count > limit {
            return DecodeError(.countOutOfRange, at: at, field: field, detail: "count \(count) > limit \(limit)")
        }
        return DecodeError(.truncated, at: at, field: field,
                           detail: "count \(count) needs \(count * minElementSize) bytes, \(remaining) left")
    }

    public mutating func skip(_ count: Int, _ field: String) throws(DecodeError) {
        try need(count, field)
        position += count
    }

    /// Throws `.trailingBytes` unless every byte was consumed.
    public func expectEnd(_ field: String) throws(DecodeError) {
        if position != bytes.count {
            throw DecodeError(.trailingBytes, at: base + position, field: field,
                              detail: "\(bytes.count - position) bytes left over")
        }
    }
}

extension Collection where Element == UInt8 {
    /// Runs `body` with a ``ByteReader`` over these bytes (contiguous storage is used when available).
    @inlinable
    public func withByteReader<R, E: Error>(
        base: Int = 0,
        _ body: (inout ByteReader) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E>? = self.withContiguousStorageIfAvailable { buffer in
            var reader = ByteReader(UnsafeRawBufferPointer(buffer), base: base)
            do throws(E) { return .success(try body(&reader)) } catch { return .failure(error) }
        }
        if let result { return try result.get() }
        let copy = Array(self)
        return try copy.withByteReader(base: base, body)
    }
}
