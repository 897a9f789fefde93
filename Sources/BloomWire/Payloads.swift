import BloomCore

/// VERSION (0x01): the handshake (spec §2.3, extension §2.5 item 2).
///
/// Layout: `u32 protocol_version, u32 height, u64 timestamp, u32 port` (20 bytes), then optionally
/// `u64 services` at offset 20. A 20–27 byte payload has no services (a partial field is ignored, never
/// zero-extended); bytes after the last decoded field are ignored by the node but kept in ``unparsedTail`` so the
/// message re-encodes byte for byte.
public struct VersionMessage: Hashable, Sendable {
    /// The reference sends 1.
    public var protocolVersion: UInt32
    /// The sender's chain height.
    public var height: UInt32
    /// The sender's Unix time in seconds (unused by the node).
    public var timestamp: UInt64
    /// The sender's listen port (unused by the node).
    public var port: UInt32
    /// The services field, nil when the payload was shorter than 28 bytes (a reference peer).
    public var services: ServiceFlags?
    /// Bytes after the last decoded field, ignored.
    public var unparsedTail: [UInt8]

    /// Fixed part of the payload, the reference layout.
    public static let baseSize = 20
    /// Base plus the services field.
    public static let extendedSize = 28

    /// A VERSION; the defaults are this node's (protocol 1, services 7, nothing after the services field).
    public init(
        protocolVersion: UInt32 = 1,
        height: UInt32,
        timestamp: UInt64,
        port: UInt32,
        services: ServiceFlags? = .node,
        unparsedTail: [UInt8] = []
    ) {
        self.protocolVersion = protocolVersion
        self.height = height
        self.timestamp = timestamp
        self.port = port
        self.services = services
        self.unparsedTail = unparsedTail
    }

    /// The services as advertised: empty when the field was absent.
    public var advertisedServices: ServiceFlags { services ?? [] }
}

/// GETBLOCKS (0x10) and GETHEADERS (0x40): `u32 start_height, u32 count`.
public struct HeightRange: Hashable, Sendable {
    /// The first height asked for.
    public var startHeight: UInt32
    /// How many heights; the answerer caps it (500 for GETBLOCKS, 2000 for GETHEADERS).
    public var count: UInt32

    /// A request for `count` heights from `startHeight`.
    public init(startHeight: UInt32, count: UInt32) {
        self.startHeight = startHeight
        self.count = count
    }

    /// Payload size.
    public static let size = 8
}

/// GETDATA (0x12): a 32-byte block hash (node form) or a u32 height (the reference sync module's form).
public enum DataRequest: Hashable, Sendable {
    /// Any block with this hash, on any branch.
    case hash(Hash256)
    /// The main-chain block at this height.
    case height(UInt32)
}

/// COHERENCE (0x22): `f32 r, f32 psi`.
public struct CoherenceMessage: Hashable, Sendable {
    /// Order parameter, finite and in [0, 1] when received.
    public var r: Float
    /// Mean phase, finite when received (unused by the node).
    public var psi: Float

    /// A COHERENCE with wire values.
    public init(r: Float, psi: Float) {
        self.r = r
        self.psi = psi
    }

    /// Rounds f64 values to the wire's f32 (nearest-even), as the reference's `struct.pack('<ff')`.
    public init(r: Double, psi: Double) {
        self.init(r: Float(r), psi: Float(psi))
    }

    /// Payload size; extra bytes are ignored.
    public static let size = 8
}
