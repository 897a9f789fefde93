/// How a service's bus sockets authenticate to the forwarder.
public enum BusClientSecurity: Hashable, Sendable {
    /// No security: the local `ipc://` bus (mode 0700 directory) or an explicitly insecure tcp bus.
    case none
    /// CurveZMQ: the forwarder's public key, and this process's own key pair (whose public key the forwarder's host
    /// must list in its authorized keys).
    case curve(serverKey: CurveKey, keyPair: CurveKeyPair)

    /// Applies this to a socket before it connects.
    func apply(to socket: ZMQSocket) throws(ZMQError) {
        switch self {
        case .none: break
        case .curve(let serverKey, let keyPair): try socket.setCurveClient(serverKey: serverKey, keyPair: keyPair)
        }
    }
}

extension ZMQSocket {
    /// Applies `security` to this socket; call before ``connect(_:)``.
    public func secure(_ security: BusClientSecurity) throws(ZMQError) {
        try security.apply(to: self)
    }

    /// For a bus link over tcp (another host): TCP keep-alive, and ZMTP heartbeats every 2 s with a 6 s timeout, so
    /// a link that silently stops carrying packets (a partition, a host that vanished) is dropped within seconds
    /// and libzmq reconnects on its own once the path returns. Call before binding or connecting.
    public func keepTCPLinkAlive() throws(ZMQError) {
        try setOption(.tcpKeepAlive, 1)
        try setOption(.heartbeatInterval, BusLinkTimeouts.heartbeatIntervalMs)
        try setOption(.heartbeatTimeout, BusLinkTimeouts.heartbeatTimeoutMs)
        try setOption(.heartbeatTTL, BusLinkTimeouts.heartbeatTimeoutMs)
    }
}

/// The timeouts of a bus link between hosts (documented in the README, "A node on several hosts").
public enum BusLinkTimeouts {
    /// ZMTP PING interval on tcp bus connections.
    public static let heartbeatIntervalMs = 2_000
    /// Silence after which a tcp bus connection is dropped and reconnected.
    public static let heartbeatTimeoutMs = 6_000
    /// Seconds without any heartbeat through a tcp bus after which a process dials the forwarder again (and again
    /// after as long): libzmq does not retry a connection the forwarder's CURVE handler refused.
    public static let redialAfterSilence = 10.0
}

/// The forwarder's listener for other hosts: `tcp://HOST:PORT` for publishers and `tcp://HOST:PORT+1` for
/// subscribers, beside its local ipc endpoints.
public struct BusTCPListener: Hashable, Sendable, CustomStringConvertible {
    /// Where remote publishers connect: `tcp://HOST:PORT`.
    public let publish: String
    /// Where remote subscribers connect: `tcp://HOST:PORT+1`.
    public let subscribe: String
    /// How remote clients are let in.
    public let security: Security

    /// How a ``BusTCPListener`` lets remote clients in.
    public enum Security: Hashable, Sendable {
        /// CurveZMQ server with this key pair; a client gets in only if its public key is in a file under
        /// `authorizedKeysDirectory` (one Z85 key per file).
        case curve(keyPair: CurveKeyPair, authorizedKeysDirectory: String)
        /// Plain tcp: anyone who reaches the port can read and publish (`--bus-insecure`, for loopback tests).
        case insecure
    }

    /// The listener for `bind`, given as `tcp://HOST:PORT` (PORT 1…65534: PORT+1 is used too).
    /// - Throws: ``BusEndpointError/malformed(endpoint:reason:)`` for anything else.
    public init(bind: String, security: Security) throws(BusEndpointError) {
        guard bind.hasPrefix("tcp://") else {
            throw .malformed(endpoint: bind, reason: "the remote bus listens on tcp://HOST:PORT")
        }
        let rest = bind.dropFirst("tcp://".count)
        guard let colon = rest.lastIndex(of: ":"), colon != rest.startIndex,
            let port = Int(rest[rest.index(after: colon)...]), (1...65534).contains(port)
        else {
            throw .malformed(endpoint: bind, reason: "expected tcp://HOST:PORT with PORT 1…65534 (PORT+1 is used too)")
        }
        let host = rest[..<colon]
        publish = "tcp://\(host):\(port)"
        subscribe = "tcp://\(host):\(port + 1)"
        self.security = security
    }

    /// The endpoints a remote client connects to when the forwarder's host is reached at `address`
    /// (`tcp://HOST:PORT`): `tcp://HOST:PORT` to publish and `tcp://HOST:PORT+1` to subscribe.
    /// - Throws: ``BusEndpointError/malformed(endpoint:reason:)``.
    public static func clientEndpoints(connectingTo address: String) throws(BusEndpointError) -> (
        publish: String, subscribe: String
    ) {
        let listener = try BusTCPListener(bind: address, security: .insecure)
        return (listener.publish, listener.subscribe)
    }

    public var description: String {
        switch security {
        case .curve(let keyPair, _): "\(publish) / \(subscribe) (CURVE, server key \(keyPair.publicKey))"
        case .insecure: "\(publish) / \(subscribe) (insecure: no authentication)"
        }
    }
}
