import CZeroMQ

/// The libzmq socket patterns this library uses.
public enum ZMQSocketType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case pub, sub, xpub, xsub, req, rep, dealer, router, push, pull, pair

    var rawValue: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        }
    }

    public var description: String {
        switch self {
        case .pub: "PUB"
        case .sub: "SUB"
        case .xpub: "XPUB"
        case .xsub: "XSUB"
        case .req: "REQ"
        case .rep: "REP"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .push: "PUSH"
        case .pull: "PULL"
        case .pair: "PAIR"
        }
    }
}

/// An integer socket option (`zmq_setsockopt` with an `int` value). Named constants only: the raw option number
/// stays inside the library.
public struct ZMQIntOption: Hashable, Sendable, CustomStringConvertible {
    let raw: Int32
    /// The libzmq name (`ZMQ_SNDHWM`).
    public let description: String

    private init(_ raw: Int32, _ name: String) {
        self.raw = raw
        self.description = name
    }

    /// Messages queued per peer for sending before the socket drops (PUB, XPUB) or blocks (others).
    public static let sendHighWaterMark = ZMQIntOption(ZMQ_SNDHWM, "ZMQ_SNDHWM")
    /// Messages queued per peer on the receiving side before the sender sees the pipe full.
    public static let receiveHighWaterMark = ZMQIntOption(ZMQ_RCVHWM, "ZMQ_RCVHWM")
    /// Milliseconds unsent messages are kept after close (-1 forever). This library sets 0 on every socket.
    public static let linger = ZMQIntOption(ZMQ_LINGER, "ZMQ_LINGER")
    /// Milliseconds a blocking receive waits before failing with EAGAIN (-1 forever).
    public static let receiveTimeout = ZMQIntOption(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO")
    /// Milliseconds a blocking send waits before failing with EAGAIN (-1 forever).
    public static let sendTimeout = ZMQIntOption(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO")
    /// XPUB: pass every subscription message up, not only the first for a topic (1 on, 0 off).
    public static let xpubVerbose = ZMQIntOption(ZMQ_XPUB_VERBOSE, "ZMQ_XPUB_VERBOSE")
    /// ROUTER: fail with EHOSTUNREACH instead of silently dropping a message for an unknown routing id.
    public static let routerMandatory = ZMQIntOption(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY")
    /// TCP keep-alive (-1 system default, 0 off, 1 on).
    public static let tcpKeepAlive = ZMQIntOption(ZMQ_TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE")
    /// Seconds of idleness before the first TCP keep-alive probe.
    public static let tcpKeepAliveIdle = ZMQIntOption(ZMQ_TCP_KEEPALIVE_IDLE, "ZMQ_TCP_KEEPALIVE_IDLE")
    /// Seconds between TCP keep-alive probes.
    public static let tcpKeepAliveInterval = ZMQIntOption(ZMQ_TCP_KEEPALIVE_INTVL, "ZMQ_TCP_KEEPALIVE_INTVL")
    /// Unanswered TCP keep-alive probes before the connection is dropped.
    public static let tcpKeepAliveCount = ZMQIntOption(ZMQ_TCP_KEEPALIVE_CNT, "ZMQ_TCP_KEEPALIVE_CNT")
    /// Queue messages only to completed connections (1), not to connections still being made (0, default).
    public static let immediate = ZMQIntOption(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE")
    /// Milliseconds between reconnection attempts.
    public static let reconnectInterval = ZMQIntOption(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL")
    /// Largest reconnection interval in milliseconds (exponential back-off up to it; 0 = no back-off).
    public static let reconnectIntervalMax = ZMQIntOption(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX")
    /// Largest inbound message in bytes (-1 no limit); a larger one disconnects the peer. (64-bit option.)
    public static let maxMessageSize = ZMQIntOption(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE")
    /// XPUB: block (EAGAIN) instead of dropping when a subscriber's pipe is full.
    public static let xpubNoDrop = ZMQIntOption(ZMQ_XPUB_NODROP, "ZMQ_XPUB_NODROP")
    /// Milliseconds between ZMTP heartbeats (PING) on a connection (0: none).
    public static let heartbeatInterval = ZMQIntOption(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL")
    /// Milliseconds without any traffic after a PING before the connection is dropped (and reconnected).
    public static let heartbeatTimeout = ZMQIntOption(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT")
    /// Milliseconds the remote side should wait for traffic before timing the connection out (sent in PINGs).
    public static let heartbeatTTL = ZMQIntOption(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL")
    /// Keep only the last message (no multipart support).
    public static let conflate = ZMQIntOption(ZMQ_CONFLATE, "ZMQ_CONFLATE")

    /// Options whose C type is `int64_t` rather than `int`.
    var is64Bit: Bool { raw == ZMQ_MAXMSGSIZE }
}

/// Readiness flags of a poll item.
public struct ZMQPollEvents: OptionSet, Hashable, Sendable {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one message (or byte, for a file descriptor) can be received without blocking.
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a file descriptor (never reported for ZeroMQ sockets).
    public static let error = ZMQPollEvents(rawValue: Int16(ZMQ_POLLERR))
}
