/// A 32-byte hash (SHA-256d output, block hash, txid, Merkle node, address) kept in wire byte order.
///
/// Stored inline as four words so that hashes can key dictionaries without a heap allocation each.
public struct Hash256: Hashable, Comparable, Sendable, CustomStringConvertible {
    // Bytes 0-7, 8-15, 16-23, 24-31, each loaded little-endian, so `withUnsafeBytes` on a little-endian host
    // yields wire order directly.
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    @usableFromInline init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Precondition: exactly 32 bytes (callers check input lengths first; this is not an input path).
    public init(_ raw: UnsafeRawBufferPointer) {
        precondition(raw.count == 32, "Hash256 needs 32 bytes, got \(raw.count)")
        w0 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Returns nil unless `bytes` has exactly 32 elements.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        self = array.withUnsafeBytes { Hash256($0) }
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 64, let bytes = [UInt8](hex: hex) else { return nil }
        self.init(bytes: bytes)
    }

    public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (w0.littleEndian, w1.littleEndian, w2.littleEndian, w3.littleEndian)
        return try Swift.withUnsafeBytes(of: &words, body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
    public var hex: String { bytes.hexString }
    public var description: String { hex }

    /// Orders by wire bytes, lexicographically (the order of hex strings).
    public static func < (a: Hash256, b: Hash256) -> Bool {
        (a.w0.byteSwapped, a.w1.byteSwapped, a.w2.byteSwapped, a.w3.byteSwapped)
            < (b.w0.byteSwapped, b.w1.byteSwapped, b.w2.byteSwapped, b.w3.byteSwapped)
    }
}
