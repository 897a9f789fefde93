/// Why the payload of a known message type was rejected: a `protocol_violation` (spec §2.5 item 13).
///
/// `reason` is the machine-readable rule that failed, `offset` the payload byte where it was found and `field`
/// the field being read, so a log line points at the offending byte.
public struct PayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule a payload broke. PHASE uses the first five, checked in this order (§2.5 item 10,
    /// `phase_gossip.json` → `malformed_phase[*].recommended.reason`).
    public enum Reason: String, Hashable, Sendable {
        /// Shorter than the fixed part of the payload.
        case tooShort = "too_short"
        /// An element count outside the type's range (PHASE n = 0 or > 9999, HEADERS n > 2000, …).
        case countOutOfRange = "n_out_of_range"
        /// Fewer bytes than the count announces.
        case truncated
        /// NaN or ±infinity where only finite values are allowed.
        case nonFinite = "non_finite"
        /// An order parameter r outside [0, 1].
        case rOutOfRange = "r_out_of_range"
        /// A length the type does not allow (GETDATA not 4 or 32, GETHEADERS not 8, `4 + k·n` mismatch).
        case badLength = "bad_length"
        /// A bulk-sync type from a peer whose effective services lack `BULK_SYNC` (§2.5 item 12).
        case bulkSyncNotNegotiated = "bulk_sync_not_negotiated"
    }

    /// The message type whose payload failed.
    public var type: MessageType
    /// The rule that failed.
    public var reason: Reason
    /// Payload byte offset where the failure was detected.
    public var offset: Int
    /// The field being checked, e.g. `"phase.n"`.
    public var field: String
    /// The offending value or sizes.
    public var detail: String

    /// A failure of `reason` in `type`'s payload, found at byte `offset` while reading `field`.
    public init(_ type: MessageType, _ reason: Reason, at offset: Int, field: String, detail: String = "") {
        self.type = type
        self.reason = reason
        self.offset = offset
        self.field = field
        self.detail = detail
    }

    /// A log line: type, reason, offset, field and detail.
    public var description: String {
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        return "\(type) \(reason.rawValue) at offset \(offset) in \(field)\(suffix)"
    }
}
