import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libzmq socket. The class owns the handle and closes it in `deinit`; it keeps its ``ZMQContext`` alive.
///
/// Thread rule (libzmq's): a socket is used by one thread at a time. It may move to another thread when the hand-over
/// is a full memory barrier (a thread start, a lock); that is how a ``SocketLoop`` takes the sockets made by its
/// creator. Hence `@unchecked Sendable`: the type system cannot see the hand-over, the owner guarantees it.
///
/// Every socket is made with `ZMQ_LINGER` 0, so closing it (and terminating its context) never waits.
public final class ZMQSocket: @unchecked Sendable {
    /// The socket's pattern.
    public let type: ZMQSocketType
    let handle: UnsafeMutableRawPointer
    /// Kept so that the context is terminated only after this socket is closed.
    let context: ZMQContext

    private init(type: ZMQSocketType, handle: UnsafeMutableRawPointer, context: ZMQContext) {
        self.type = type
        self.handle = handle
        self.context = context
    }

    static func make(_ type: ZMQSocketType, context: ZMQContext) throws(ZMQError) -> ZMQSocket {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket(\(type))")
        }
        let socket = ZMQSocket(type: type, handle: handle, context: context)
        try socket.setOption(.linger, 0)
        return socket
    }

    deinit {
        _ = zmq_close(handle)
    }

    // MARK: Endpoints

    /// Binds to `endpoint` (`ipc://path`, `tcp://host:port`, `inproc://name`).
    /// - Throws: ``ZMQError`` with the endpoint and libzmq's text (no such directory, path too long, address in use,
    ///   unknown scheme…).
    public func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(handle, endpoint) != 0 { throw ZMQError.last("bind", endpoint: endpoint) }
    }

    /// Connects to `endpoint`. For ipc and tcp this succeeds before the peer exists; libzmq keeps reconnecting.
    /// - Throws: ``ZMQError`` for a malformed endpoint or an unsupported scheme.
    public func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(handle, endpoint) != 0 { throw ZMQError.last("connect", endpoint: endpoint) }
    }

    /// Stops listening on an endpoint given to ``bind(_:)`` (for `tcp://*:0`, pass ``lastEndpoint``).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        if zmq_unbind(handle, endpoint) != 0 { throw ZMQError.last("unbind", endpoint: endpoint) }
    }

    /// Drops a connection made by ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        if zmq_disconnect(handle, endpoint) != 0 { throw ZMQError.last("disconnect", endpoint: endpoint) }
    }

    /// The endpoint of the last bind or connect, with wildcards resolved (`tcp://127.0.0.1:40123`).
    public var lastEndpoint: String {
        get throws(ZMQError) {
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            if zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 {
                throw ZMQError.last("getsockopt(ZMQ_LAST_ENDPOINT)")
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: Options

    /// Sets an integer option.
    public func setOption(_ option: ZMQIntOption, _ value: Int) throws(ZMQError) {
        let result: Int32
        if option.is64Bit {
            var v = Int64(value)
            result = zmq_setsockopt(handle, option.raw, &v, MemoryLayout<Int64>.size)
        } else {
            var v = Int32(clamping: value)
            result = zmq_setsockopt(handle, option.raw, &v, MemoryLayout<Int32>.size)
        }
        if result != 0 { throw ZMQError.last("setsockopt(\(option))") }
    }

    /// Reads an integer option.
    public func option(_ option: ZMQIntOption) throws(ZMQError) -> Int {
        if option.is64Bit {
            var v: Int64 = 0
            var size = MemoryLayout<Int64>.size
            if zmq_getsockopt(handle, option.raw, &v, &size) != 0 { throw ZMQError.last("getsockopt(\(option))") }
            return Int(v)
        }
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        if zmq_getsockopt(handle, option.raw, &v, &size) != 0 { throw ZMQError.last("getsockopt(\(option))") }
        return Int(v)
    }

    /// SUB: receive messages whose first frame starts with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_SUBSCRIBE, prefix, "ZMQ_SUBSCRIBE")
    }

    /// SUB: undo one ``subscribe(_:)`` of the same prefix.
    public func unsubscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_UNSUBSCRIBE, prefix, "ZMQ_UNSUBSCRIBE")
    }

    /// The identity this socket presents to a ROUTER peer (1…255 bytes, not starting with 0). Set before connecting.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        try setBytes(ZMQ_ROUTING_ID, id, "ZMQ_ROUTING_ID")
    }

    // MARK: Security

    /// Makes this socket's *later* binds CURVE servers with `keyPair` (libzmq copies a socket's options into each
    /// listener when it binds, so endpoints bound before this call keep the NULL mechanism: that is how the
    /// forwarder serves its local ipc endpoints in the clear and its tcp ones with CURVE).
    public func setCurveServer(_ keyPair: CurveKeyPair) throws(ZMQError) {
        var on: Int32 = 1
        if zmq_setsockopt(handle, ZMQ_CURVE_SERVER, &on, MemoryLayout<Int32>.size) != 0 {
            throw ZMQError.last("setsockopt(ZMQ_CURVE_SERVER)")
        }
        try setText(ZMQ_CURVE_SECRETKEY, keyPair.secretKey.z85, "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket's later connects CURVE clients of the server whose public key is `serverKey`.
    public func setCurveClient(serverKey: CurveKey, keyPair: CurveKeyPair) throws(ZMQError) {
        try setText(ZMQ_CURVE_SERVERKEY, serverKey.z85, "ZMQ_CURVE_SERVERKEY")
        try setText(ZMQ_CURVE_PUBLICKEY, keyPair.publicKey.z85, "ZMQ_CURVE_PUBLICKEY")
        try setText(ZMQ_CURVE_SECRETKEY, keyPair.secretKey.z85, "ZMQ_CURVE_SECRETKEY")
    }

    /// The ZAP domain of later binds: a non-empty domain makes libzmq ask the context's ZAP handler
    /// (`inproc://zeromq.zap.01`) about every connection to them.
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setText(ZMQ_ZAP_DOMAIN, domain, "ZMQ_ZAP_DOMAIN")
    }

    private func setText(_ option: Int32, _ text: String, _ name: String) throws(ZMQError) {
        try setBytes(option, Array(text.utf8), name)
    }

    private func setBytes(_ option: Int32, _ bytes: [UInt8], _ name: String) throws(ZMQError) {
        let result = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        if result != 0 { throw ZMQError.last("setsockopt(\(name))") }
    }
}
