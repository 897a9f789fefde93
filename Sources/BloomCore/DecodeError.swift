/// Why a byte string could not be decoded, and where.
///
/// Every decoder in the node is total: it either returns a value that consumed exactly the bytes it was given,
/// or throws one of these. The `offset` is relative to the start of the buffer handed to the outermost decoder,
/// so a log line can point at the offending byte of a peer's payload.
public struct DecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The input ended before a field was complete.
        case truncated
        /// Bytes were left after the value was complete.
        case trailingBytes = "trailing_bytes"
        /// A length-prefixed slice was not consumed exactly by the value inside it.
        case lengthMismatch = "length_mismatch"
        /// A count is larger than the remaining bytes (or a protocol bound) allows.
        case countOutOfRange = "count_out_of_range"
        /// A field holds a value the format forbids (NaN, out of range, wrong size…).
        case invalidValue = "invalid_value"
    }

    public var kind: Kind
    /// Byte offset where the problem was found.
    public var offset: Int
    /// The field being read, e.g. `"header.order_parameter"`.
    public var field: String
    /// Extra detail (the count that was too large, the value that was invalid…).
    public var detail: String

    public init(_ kind: Kind, at offset: Int, field: String, detail: String = "") {
        self.kind = kind
        self.offset = offset
        self.field = field
        self.detail = detail
    }

    public var description: String {
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        return "\(kind.rawValue) at offset \(offset) in \(field)\(suffix)"
    }
}
