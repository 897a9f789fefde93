import BloomWire

/// Why a connection ended; logged with every disconnect and published in `p2p.peer` disconnected events.
public enum DisconnectReason: Hashable, Sendable, CustomStringConvertible {
    /// The peer closed the stream between frames.
    case closedByPeer
    /// The byte stream can no longer be trusted (§2.5 item 13 `disconnect`): EOF mid-frame, oversize escape.
    case framing(FrameError)
    /// The handshake did not complete in time (§2.5 item 1).
    case handshakeTimeout
    /// No frame for the idle timeout.
    case idle
    /// 10 misbehaviour points (§2.5 item 13); the address is banned.
    case misbehaviour(points: Int, last: String)
    /// The peer does not drain its send queue (bounded queue: drop rather than grow).
    case sendQueueOverflow(bytes: Int)
    /// Another service asked for it on `p2p.ctl`.
    case requested(String)
    /// Banned on request, or the address is on the ban list.
    case banned
    /// A second connection to the same address (mutual dial, or a duplicate).
    case duplicate
    /// We dialled ourselves.
    case selfConnection
    /// Replaced by a peer with a better consistency score while inbound slots were full.
    case evicted
    /// Still in its handshake when the inbound slots were full and a new connection arrived: the oldest such
    /// connection makes room (slowloris, issue 15).
    case evictedInHandshake
    /// The node is shutting down.
    case shutdown
    /// A socket error.
    case transport(String)

    /// Whether the peer's IP goes on the ban list.
    public var bans: Bool {
        switch self {
        case .misbehaviour, .banned: true
        default: false
        }
    }

    /// A short machine-readable code for events and logs.
    public var code: String {
        switch self {
        case .closedByPeer: "closed_by_peer"
        case .framing: "framing"
        case .handshakeTimeout: "handshake_timeout"
        case .idle: "idle"
        case .misbehaviour: "misbehaviour"
        case .sendQueueOverflow: "send_queue_overflow"
        case .requested: "requested"
        case .banned: "banned"
        case .duplicate: "duplicate"
        case .selfConnection: "self_connection"
        case .evicted: "evicted"
        case .evictedInHandshake: "evicted_in_handshake"
        case .shutdown: "shutdown"
        case .transport: "transport"
        }
    }

    /// Every ``code``, for metric series that exist before their first event.
    public static let codes = [
        "closed_by_peer", "framing", "handshake_timeout", "idle", "misbehaviour", "send_queue_overflow", "requested",
        "banned", "duplicate", "self_connection", "evicted", "evicted_in_handshake", "shutdown", "transport",
    ]

    /// The code with its details.
    public var description: String {
        switch self {
        case .framing(let error): "framing: \(error)"
        case .misbehaviour(let points, let last): "misbehaviour: \(points) points, last \(last)"
        case .sendQueueOverflow(let bytes): "send queue overflow: \(bytes) bytes"
        case .requested(let why): "requested: \(why)"
        case .transport(let why): "transport: \(why)"
        default: code
        }
    }
}
