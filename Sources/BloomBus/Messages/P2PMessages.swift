import BloomCore

/// `p2p.in.<TYPE>`: a frame a peer sent. The peer id is in the envelope and the type in the topic; the payload is
/// the frame's payload, unparsed.
public struct P2PIn: BusPayload, Hashable {
    /// The frame payload as the peer sent it.
    public var payload: [UInt8]

    /// A received frame's payload.
    public init(payload: [UInt8]) { self.payload = payload }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        payload = try BusStrings.readRest(&reader, "p2p_in.payload")
    }

    public func encode(into writer: inout ByteWriter) { writer.append(payload) }
}

/// `p2p.out`: a frame for bloom-net to send. bloom-net frames it per peer (escape form where negotiated) and skips,
/// with a log line, a peer for which the payload is too large.
public struct P2POut: BusPayload, Hashable {
    /// Which peers get the frame.
    public enum Target: Hashable, Sendable {
        case peer(PeerID)
        case all
        case allExcept(PeerID)
    }

    /// The peer message type code (spec §2).
    public var messageType: UInt8
    /// Which peers get it.
    public var target: Target
    /// The frame payload (bloom-net adds the frame header).
    public var payload: [UInt8]

    /// A frame to send.
    public init(messageType: UInt8, target: Target, payload: [UInt8]) {
        self.messageType = messageType
        self.target = target
        self.payload = payload
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        messageType = try reader.readU8("p2p_out.type")
        let at = reader.offset
        switch try reader.readU8("p2p_out.target") {
        case 1: target = .peer(try BusStrings.readPeer(&reader, "p2p_out.peer"))
        case 2: target = .all
        case 3: target = .allExcept(try BusStrings.readPeer(&reader, "p2p_out.peer"))
        case let other:
            throw DecodeError(.invalidValue, at: at, field: "p2p_out.target", detail: "unknown target \(other)")
        }
        payload = try BusStrings.readRest(&reader, "p2p_out.payload")
    }

    public func encode(into writer: inout ByteWriter) {
        writer.u8(messageType)
        switch target {
        case .peer(let peer):
            writer.u8(1)
            writer.u64(peer.rawValue)
        case .all:
            writer.u8(2)
        case .allExcept(let peer):
            writer.u8(3)
            writer.u64(peer.rawValue)
        }
        writer.append(payload)
    }
}

/// `p2p.ctl`: an order for bloom-net.
public enum P2PControl: BusPayload, Hashable {
    /// What a ban applies to.
    public enum BanTarget: Hashable, Sendable {
        /// The peer's IP address (bloom-net resolves it).
        case peer(PeerID)
        /// An IP address in text form.
        case ip(String)
    }

    /// Add misbehaviour points to a peer (10 in one connection → disconnect and ban, spec §2.5 item 13).
    case penalise(peer: PeerID, points: UInt32, reason: String)
    case disconnect(peer: PeerID, reason: String)
    case ban(BanTarget, seconds: UInt32, reason: String)
    /// Dial `host:port`.
    case connect(address: String)

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let at = reader.offset
        switch try reader.readU8("p2p_ctl.tag") {
        case 1:
            let peer = try BusStrings.readPeer(&reader, "p2p_ctl.peer")
            let points = try reader.readU32("p2p_ctl.points")
            self = .penalise(peer: peer, points: points, reason: try BusStrings.read(&reader, "p2p_ctl.reason"))
        case 2:
            let peer = try BusStrings.readPeer(&reader, "p2p_ctl.peer")
            self = .disconnect(peer: peer, reason: try BusStrings.read(&reader, "p2p_ctl.reason"))
        case 3:
            let byAt = reader.offset
            let target: BanTarget
            switch try reader.readU8("p2p_ctl.ban_by") {
            case 1: target = .peer(try BusStrings.readPeer(&reader, "p2p_ctl.peer"))
            case 2: target = .ip(try BusStrings.read(&reader, "p2p_ctl.ip"))
            case let other:
                throw DecodeError(
                    .invalidValue,
                    at: byAt,
                    field: "p2p_ctl.ban_by",
                    detail: "unknown ban target \(other)"
                )
            }
            let seconds = try reader.readU32("p2p_ctl.seconds")
            self = .ban(target, seconds: seconds, reason: try BusStrings.read(&reader, "p2p_ctl.reason"))
        case 4:
            self = .connect(address: try BusStrings.read(&reader, "p2p_ctl.address"))
        case let other:
            throw DecodeError(.invalidValue, at: at, field: "p2p_ctl.tag", detail: "unknown order \(other)")
        }
    }

    public func encode(into writer: inout ByteWriter) {
        switch self {
        case .penalise(let peer, let points, let reason):
            writer.u8(1)
            writer.u64(peer.rawValue)
            writer.u32(points)
            BusStrings.write(reason, into: &writer)
        case .disconnect(let peer, let reason):
            writer.u8(2)
            writer.u64(peer.rawValue)
            BusStrings.write(reason, into: &writer)
        case .ban(let target, let seconds, let reason):
            writer.u8(3)
            switch target {
            case .peer(let peer):
                writer.u8(1)
                writer.u64(peer.rawValue)
            case .ip(let ip):
                writer.u8(2)
                BusStrings.write(ip, into: &writer)
            }
            writer.u32(seconds)
            BusStrings.write(reason, into: &writer)
        case .connect(let address):
            writer.u8(4)
            BusStrings.write(address, into: &writer)
        }
    }
}

/// `p2p.peer`: a peer connection appeared (after its VERSION) or went away.
public enum PeerEvent: BusPayload, Hashable {
    /// Who dialled.
    public enum Direction: UInt8, Hashable, Sendable, Codable {
        case inbound = 1
        case outbound = 2

        /// `in` / `out`, as `bloom peers --json` prints it.
        public var name: String { self == .inbound ? "in" : "out" }
    }

    /// Facts from the peer's VERSION.
    public struct Connected: Hashable, Sendable {
        /// The connection's id.
        public var peer: PeerID
        /// `ip:port` with the port the peer advertised.
        public var address: String
        /// Who dialled.
        public var direction: Direction
        /// Protocol version from VERSION.
        public var version: UInt32
        /// Chain height from VERSION.
        public var height: UInt32
        /// Service bits the peer advertised (`LARGE_FRAMES`, `BULK_SYNC`…).
        public var services: UInt64
        /// The listen port from VERSION.
        public var listenPort: UInt16

        /// A connection's facts.
        public init(
            peer: PeerID,
            address: String,
            direction: Direction,
            version: UInt32,
            height: UInt32,
            services: UInt64,
            listenPort: UInt16
        ) {
            self.peer = peer
            self.address = address
            self.direction = direction
            self.version = version
            self.height = height
            self.services = services
            self.listenPort = listenPort
        }
    }

    case connected(Connected)
    case disconnected(peer: PeerID, reason: String)

    public init(from reader: inout ByteReader) throws(DecodeError) {
        let at = reader.offset
        switch try reader.readU8("peer_event.tag") {
        case 1:
            let peer = try BusStrings.readPeer(&reader, "peer_event.peer")
            let address = try BusStrings.read(&reader, "peer_event.address")
            let directionAt = reader.offset
            let directionByte = try reader.readU8("peer_event.direction")
            guard let direction = Direction(rawValue: directionByte) else {
                throw DecodeError(
                    .invalidValue,
                    at: directionAt,
                    field: "peer_event.direction",
                    detail: "\(directionByte)"
                )
            }
            self = .connected(
                Connected(
                    peer: peer,
                    address: address,
                    direction: direction,
                    version: try reader.readU32("peer_event.version"),
                    height: try reader.readU32("peer_event.height"),
                    services: try reader.readU64("peer_event.services"),
                    listenPort: try reader.readU16("peer_event.listen_port")
                )
            )
        case 2:
            let peer = try BusStrings.readPeer(&reader, "peer_event.peer")
            self = .disconnected(peer: peer, reason: try BusStrings.read(&reader, "peer_event.reason"))
        case let other:
            throw DecodeError(.invalidValue, at: at, field: "peer_event.tag", detail: "unknown event \(other)")
        }
    }

    public func encode(into writer: inout ByteWriter) {
        switch self {
        case .connected(let c):
            writer.u8(1)
            writer.u64(c.peer.rawValue)
            BusStrings.write(c.address, into: &writer)
            writer.u8(c.direction.rawValue)
            writer.u32(c.version)
            writer.u32(c.height)
            writer.u64(c.services)
            writer.u16(c.listenPort)
        case .disconnected(let peer, let reason):
            writer.u8(2)
            writer.u64(peer.rawValue)
            BusStrings.write(reason, into: &writer)
        }
    }
}

/// `p2p.flow`: a peer's send queue in bloom-net is open again or full, so bloom-sync can pause serving it
/// (spec §2.5 item 12); or bloom-net is done with some of the answers bloom-sync sent the peer (`written`), which
/// gives bloom-sync that much room to answer again (its per-peer byte credit, issue 15).
public struct P2PFlow: BusPayload, Hashable {
    /// Whether bloom-net can take more frames for the peer, or how much it has finished.
    public enum State: UInt8, Hashable, Sendable {
        case open = 1
        case full = 2
        /// ``P2PFlow/bytes`` payload bytes of the peer's answers (`p2p.out` with the bulk flag) left bloom-net
        /// since its last report: written to the socket, or not sendable (the peer cannot take that message).
        case written = 3
    }

    /// The peer whose send queue changed.
    public var peer: PeerID
    /// Open again, full, or answers written.
    public var state: State
    /// For ``State/written``: the payload bytes written since the last report; 0 otherwise (not encoded).
    public var bytes: UInt64

    /// A flow report.
    public init(peer: PeerID, state: State, bytes: UInt64 = 0) {
        self.peer = peer
        self.state = state
        self.bytes = state == .written ? bytes : 0
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        peer = try BusStrings.readPeer(&reader, "p2p_flow.peer")
        let at = reader.offset
        let byte = try reader.readU8("p2p_flow.state")
        guard let state = State(rawValue: byte) else {
            throw DecodeError(.invalidValue, at: at, field: "p2p_flow.state", detail: "unknown state \(byte)")
        }
        self.state = state
        bytes = state == .written ? try reader.readU64("p2p_flow.bytes") : 0
    }

    public func encode(into writer: inout ByteWriter) {
        writer.u64(peer.rawValue)
        writer.u8(state.rawValue)
        if state == .written { writer.u64(bytes) }
    }
}
