/// A peer connection's id, unique across bloom-net replicas and restarts:
/// replica (8 bits) | the replica's boot id (24 bits) | a per-boot counter (32 bits).
///
/// JSON and logs use 16 lowercase hex digits (``hex``). Zero is never a valid id; the envelope uses it for
/// "no peer".
public struct PeerID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The packed value.
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Packs the three parts; `bootID` keeps its low 24 bits.
    public init(replica: UInt8, bootID: UInt32, counter: UInt32) {
        rawValue = UInt64(replica) << 56 | UInt64(bootID & 0xFF_FFFF) << 32 | UInt64(counter)
    }

    /// The bloom-net replica that owns the connection.
    public var replica: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 56) }
    /// That replica's boot id (24 bits): a restarted replica has a new one, so its old peers' ids are never reused.
    public var bootID: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) & 0xFF_FFFF }
    /// The connection counter within that boot.
    public var counter: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    /// 16 lowercase hex digits.
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Parses exactly 16 hex digits (either case); nil otherwise.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 16, hex.utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") }),
            let value = UInt64(hex, radix: 16)
        else { return nil }
        rawValue = value
    }

    public var description: String { hex }

    public static func < (a: PeerID, b: PeerID) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = PeerID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "peer id is not 16 hex digits")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
