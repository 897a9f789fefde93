/// The one-byte `type` of a peer frame (spec §2.2, §2.5 item 12).
///
/// A struct rather than an enum so that a code this node does not know (a newer peer's message) is still a
/// value: the classifier ignores it instead of failing to represent it.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code as sent on the wire.
    public var rawValue: UInt8

    /// Wraps any code, known or not.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Handshake: protocol version, height, time, port, optional services (§2.3, §2.5 item 2).
    public static let version = MessageType(rawValue: 0x01)
    /// Handshake acknowledgement, empty payload.
    public static let verack = MessageType(rawValue: 0x02)
    /// Block hashes by height range: `u32 start, u32 count`.
    public static let getBlocks = MessageType(rawValue: 0x10)
    /// Answer to GETBLOCKS: `u32 n, n × hash`.
    public static let blocks = MessageType(rawValue: 0x11)
    /// One block by 32-byte hash or by u32 height.
    public static let getData = MessageType(rawValue: 0x12)
    /// A serialized block (§4.2).
    public static let block = MessageType(rawValue: 0x13)
    /// A serialized transaction (§4.3).
    public static let tx = MessageType(rawValue: 0x14)
    /// A phase snapshot: `f32 r, f32 psi, u32 n, n × f32`.
    public static let phase = MessageType(rawValue: 0x20)
    /// Request for one PHASE, empty payload.
    public static let getPhase = MessageType(rawValue: 0x21)
    /// `f32 r, f32 psi`.
    public static let coherence = MessageType(rawValue: 0x22)
    /// A serialized consensus certificate (§4.6).
    public static let bloom = MessageType(rawValue: 0x30)
    /// Bulk sync: headers by height range, `u32 start, u32 count`.
    public static let getHeaders = MessageType(rawValue: 0x40)
    /// Bulk sync: `u32 n, n × 92-byte header`.
    public static let headers = MessageType(rawValue: 0x41)
    /// Bulk sync: `u32 n (1…128), n × hash`.
    public static let getBlockData = MessageType(rawValue: 0x42)
    /// Bulk sync: `u32 n (0…128), n × hash` the answerer does not have.
    public static let notFound = MessageType(rawValue: 0x43)

    /// The eleven codes of the reference implementation (`constants.json` → `message_types`).
    public static let referenceTypes: [MessageType] = [
        .version, .verack, .getBlocks, .blocks, .getData, .block, .tx, .phase, .getPhase, .coherence, .bloom,
    ]
    /// The four codes of the bulk-sync extension, legal only between peers that both advertised `BULK_SYNC`.
    public static let bulkSyncTypes: [MessageType] = [.getHeaders, .headers, .getBlockData, .notFound]
    /// Every code this node understands.
    public static let knownTypes: [MessageType] = referenceTypes + bulkSyncTypes

    /// True for the four bulk-sync codes.
    public var isBulkSync: Bool { (0x40...0x43).contains(rawValue) }

    /// True for every code in ``knownTypes``.
    public var isKnown: Bool { name != nil }

    /// The spec's upper-case name (`"VERSION"`, `"GETBLOCKDATA"`…), nil for an unknown code.
    public var name: String? {
        switch rawValue {
        case 0x01: "VERSION"
        case 0x02: "VERACK"
        case 0x10: "GETBLOCKS"
        case 0x11: "BLOCKS"
        case 0x12: "GETDATA"
        case 0x13: "BLOCK"
        case 0x14: "TX"
        case 0x20: "PHASE"
        case 0x21: "GETPHASE"
        case 0x22: "COHERENCE"
        case 0x30: "BLOOM"
        case 0x40: "GETHEADERS"
        case 0x41: "HEADERS"
        case 0x42: "GETBLOCKDATA"
        case 0x43: "NOTFOUND"
        default: nil
        }
    }

    /// `NAME(0xNN)`, or `unknown(0xNN)`.
    public var description: String {
        let hex = String(rawValue, radix: 16)
        let code = "0x" + (hex.count < 2 ? "0" + hex : hex)
        return name.map { "\($0)(\(code))" } ?? "unknown(\(code))"
    }
}
