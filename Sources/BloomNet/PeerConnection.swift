import BloomCore
import BloomWire

/// One peer connection's protocol state (spec §2.5 items 1–3, 5, 12, 13): a value type driven by events, returning
/// actions; it performs no I/O and reads no clock (every event carries `now`, seconds on a monotonic clock).
///
/// ## States
///
/// | State | Event | Actions | Next |
/// |---|---|---|---|
/// | fresh | ``start(now:)`` | send our VERSION (whatever the direction) | handshaking |
/// | handshaking | first valid VERSION | send VERACK; large frames if both advertised them | established |
/// | handshaking | VERACK | – | established |
/// | handshaking | VERSION < 20 bytes | one point, no VERACK | handshaking |
/// | handshaking | any other frame | drop, one point | handshaking |
/// | handshaking | tick past the handshake timeout | disconnect | closed |
/// | established | later VERSION / VERACK | ignored (a first VERSION after a VERACK is still answered) | established |
/// | established | accepted frame within its limits | deliver | established |
/// | established | malformed payload, limit breach | drop, one point | established |
/// | any | 10 points | disconnect and ban | closed |
/// | any | EOF mid-frame, escape length > 1 MiB | disconnect | closed |
/// | any | tick with no frame for the idle timeout | disconnect | closed |
/// | closed | anything | nothing | closed |
public struct PeerConnection: Sendable {
    /// Which side opened the TCP connection.
    public enum Direction: String, Hashable, Sendable {
        /// The peer dialled us.
        case inbound = "in"
        /// We dialled the peer.
        case outbound = "out"
    }

    enum State: Hashable, Sendable {
        case fresh
        case handshaking
        case established
        case closed
    }

    /// Which side opened the connection.
    public let direction: Direction
    /// The limits in force.
    public let limits: ConnectionLimits
    /// Our VERSION, sent first.
    public private(set) var localVersion: VersionMessage
    var state: State = .fresh

    /// The peer's first valid VERSION, nil until it arrives (a reference acceptor never sends one).
    public internal(set) var peerVersion: VersionMessage?
    /// Clock value when the handshake completed, nil before.
    public internal(set) var handshakeCompletedAt: Double?
    /// Clock value of the last complete frame (or of the start).
    public private(set) var lastFrameAt: Double
    /// Clock value when the connection started.
    public let startedAt: Double
    /// Payload and header bytes received and sent.
    public private(set) var bytesIn = 0
    /// Bytes of frames handed out in ``ConnectionAction/send(_:)``.
    public internal(set) var bytesOut = 0
    /// The peer's misbehaviour score on this connection.
    public private(set) var score = MisbehaviourScore()

    var decoder = FrameDecoder()
    var encoder = FrameEncoder()
    var phaseBucket: TokenBucket
    var blockRequestBucket: TokenBucket
    var unknownTypeBucket: TokenBucket
    var getHeadersBucket: TokenBucket
    var offered: OfferedBlocks
    /// GETDATA for offered blocks, received and not yet answered with a BLOCK.
    public internal(set) var outstandingOfferedGetData = 0
    /// Blocks asked for by GETBLOCKDATA and not yet sent (as BLOCK or in NOTFOUND).
    public internal(set) var outstandingBulkBlocks = 0

    /// A connection that has not started yet.
    /// - Parameters:
    ///   - direction: Who dialled.
    ///   - localVersion: Our VERSION (height from the latest `chain.tip`, our listen port, services 7).
    ///   - limits: The protocol limits.
    ///   - now: The clock value at which the TCP connection was established.
    public init(direction: Direction, localVersion: VersionMessage, limits: ConnectionLimits = .init(), now: Double) {
        self.direction = direction
        self.localVersion = localVersion
        self.limits = limits
        self.startedAt = now
        self.lastFrameAt = now
        phaseBucket = TokenBucket(limit: limits.phase, now: now)
        blockRequestBucket = TokenBucket(limit: limits.blockRequests, now: now)
        unknownTypeBucket = TokenBucket(limit: limits.unknownTypes, now: now)
        getHeadersBucket = TokenBucket(limit: limits.getHeaders, now: now)
        offered = OfferedBlocks(window: limits.offeredBlockWindow, capacity: limits.maxOfferedBlocks)
    }

    /// True once we sent VERSION and received VERSION or VERACK: frames flow both ways.
    public var isEstablished: Bool { state == .established }
    /// True after a disconnect action was returned.
    public var isClosed: Bool { state == .closed }
    /// Misbehaviour points so far.
    public var points: Int { score.points }
    /// The services the peer is treated as having (empty until its VERSION arrives).
    public var peerServices: ServiceFlags { peerVersion?.advertisedServices.effective ?? [] }
    /// The peer's height from its VERSION, 0 until known (§2.5 item 1).
    public var peerHeight: UInt32 { peerVersion?.height ?? 0 }
    /// True once both sides advertised `LARGE_FRAMES`: escape frames in both directions.
    public var largeFramesNegotiated: Bool { decoder.largeFramesNegotiated }
    /// Bytes received and not yet part of a complete frame (at most one maximal frame).
    public var bufferedBytes: Int { decoder.bufferedByteCount }

    /// The connection is established at the TCP level: send our VERSION first, whoever dialled (§2.5 item 1).
    public mutating func start(now: Double) -> [ConnectionAction] {
        guard state == .fresh else { return [] }
        state = .handshaking
        lastFrameAt = now
        // Built before any negotiation, so always a plain frame; 28 bytes always fit.
        guard let bytes = try? encoder.frame(.version(localVersion)) else { return [] }
        bytesOut += bytes.count
        return [.send(bytes)]
    }

    /// Our chain height changed; later VERSIONs (none are sent on this connection) and snapshots use it.
    public mutating func updateLocalHeight(_ height: UInt32) {
        localVersion.height = height
    }

    /// Bytes read from the socket, in any chunking.
    ///
    /// Every complete frame is handled before the next is cut, so a VERSION that negotiates large frames changes
    /// how the very next header is read.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Double) -> [ConnectionAction] {
        guard state == .handshaking || state == .established else { return [] }
        bytesIn += bytes.count
        var actions: [ConnectionAction] = []
        do {
            // Frames are cut from the read buffer itself; only an incomplete frame's bytes are kept.
            var offset = 0
            while state != .closed, let frame = try decoder.next(in: bytes, at: &offset) {
                lastFrameAt = now
                handle(frame, now: now, into: &actions)
            }
        } catch {
            close(.framing(error), into: &actions)
        }
        return actions
    }

    /// Convenience for tests and arrays: see ``receive(_:now:)-(UnsafeRawBufferPointer,_)``.
    public mutating func receive(_ bytes: [UInt8], now: Double) -> [ConnectionAction] {
        bytes.withUnsafeBytes { receive($0, now: now) }
    }

    /// The peer closed its side of the stream.
    public mutating func endOfStream(now: Double) -> [ConnectionAction] {
        guard state != .closed else { return [] }
        var actions: [ConnectionAction] = []
        do {
            try decoder.finish()
            close(.closedByPeer, into: &actions)
        } catch {
            close(.framing(error), into: &actions)
        }
        return actions
    }

    /// The clock moved: enforce the handshake and idle timeouts.
    public mutating func tick(now: Double) -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        switch state {
        case .handshaking where now - startedAt >= limits.handshakeTimeout:
            close(.handshakeTimeout, into: &actions)
        case .handshaking, .established:
            if now - lastFrameAt >= limits.idleTimeout { close(.idle, into: &actions) }
        case .fresh, .closed:
            break
        }
        return actions
    }

    /// Another service penalised the peer (`p2p.ctl`), e.g. bloom-sync after an invalid block.
    public mutating func penalise(points: Int, reason: String) -> [ConnectionAction] {
        guard state != .closed else { return [] }
        var actions: [ConnectionAction] = []
        addPoints(points, reason: reason, into: &actions)
        return actions
    }

    /// Close on request (ctl disconnect or ban, duplicate, shutdown, transport error, queue overflow).
    public mutating func disconnect(_ reason: DisconnectReason) -> [ConnectionAction] {
        guard state != .closed else { return [] }
        var actions: [ConnectionAction] = []
        close(reason, into: &actions)
        return actions
    }

    mutating func close(_ reason: DisconnectReason, into actions: inout [ConnectionAction]) {
        state = .closed
        actions.append(.disconnect(reason))
    }

    mutating func addPoints(_ points: Int, reason: String, into actions: inout [ConnectionAction]) {
        guard points > 0 else { return }
        let ban = score.add(points)
        actions.append(.penalised(points: points, reason: reason))
        if ban { close(.misbehaviour(points: score.points, last: reason), into: &actions) }
    }
}
