import BloomBus
import BloomWire

/// What bloom-net reports to the rest of the node; the bus bridge turns each into a publication.
public enum NetEvent: Sendable {
    /// `p2p.peer` connected: the handshake completed (and again when a late VERSION arrives, or on request).
    case connected(PeerSnapshot, version: VersionMessage?)
    /// `p2p.peer` disconnected, with the reason.
    case disconnected(PeerID, address: String, reason: DisconnectReason)
    /// `p2p.in.<TYPE>`: an accepted frame from an established peer.
    case message(PeerID, Frame)
    /// `p2p.flow`: the peer's send queue went over the high watermark (`open == false`) or back under the low one.
    case flow(PeerID, open: Bool)
    /// `p2p.flow written`: this many payload bytes of the peer's bulk answers left bloom-net (bloom-sync's credit).
    case written(PeerID, bytes: Int)
}

/// Receives ``NetEvent``s, in order, on bloom-net's event loop: it must not block.
public protocol NetEventSink: Sendable {
    /// One event.
    func handle(_ event: NetEvent)
}

/// `p2p.out` targets: one peer, everyone, or everyone but one (a relay skips the peer it came from).
public enum SendTarget: Hashable, Sendable {
    /// One peer (silently nothing if this replica does not own it).
    case one(PeerID)
    /// Every established peer of this replica.
    case all
    /// Every established peer but one.
    case allExcept(PeerID)
}

/// One row of the `peers` query (`bloom peers --json`).
public struct PeerSnapshot: Codable, Hashable, Sendable {
    /// 16 hex digits.
    public var id: String
    /// `ip:port`: the advertised listen port once known, else the TCP source port.
    public var address: String
    /// `in` or `out`.
    public var direction: String
    /// The peer's height from its VERSION (0 until known).
    public var height: UInt32
    /// The services the peer advertised (0 for a reference peer).
    public var services: UInt64
    /// Unix seconds when the handshake completed, nil before.
    public var handshakeTime: Double?
    /// Bytes received.
    public var bytesIn: Int
    /// Bytes sent.
    public var bytesOut: Int
    /// Misbehaviour points on this connection.
    public var penalty: Int
    /// Unix seconds of the last complete frame.
    public var lastMessage: Double
    /// bloom-gossip's consistency score (0 neutral, negative bad).
    public var score: Double

    enum CodingKeys: String, CodingKey {
        case id, address, direction, height, services
        case handshakeTime = "handshake_time"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case penalty
        case lastMessage = "last_message"
        case score
    }
}
