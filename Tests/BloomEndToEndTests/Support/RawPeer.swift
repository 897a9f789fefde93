import BloomCore
import BloomWire
import Foundation

/// A hand-driven TCP peer from its own loopback address (an attacker or a scripted peer in a test): plain
/// sockets, frames built with BloomWire. Closed in `deinit`.
final class RawPeer {
    private let fd: Int32
    private var decoder = FrameDecoder()
    private var encoder = FrameEncoder()
    /// Bytes this peer sent and received so far (the attack figures' bytes per peer).
    private(set) var bytesSent = 0
    private(set) var bytesReceived = 0

    /// Connects from `source` (e.g. 127.0.0.66) to `host:port`.
    init(from source: String, to host: String, port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket: errno \(errno)") }
        var local = Self.address(source, port: 0)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw E2EError("bind \(source): errno \(errno)")
        }
        var remote = Self.address(host, port: port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw E2EError("connect \(host):\(port): errno \(errno)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    private static func address(_ host: String, port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        return addr
    }

    /// Sends raw bytes; false once the node closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
            bytesSent += sent
        }
        return true
    }

    /// Sends one message; false once the node closed the connection.
    @discardableResult
    func send(_ message: PeerMessage) -> Bool {
        guard let frame = try? encoder.frame(message) else { return false }
        return send(frame)
    }

    /// VERSION (claiming `height`), then waits for the node's VERSION and VERACK and answers VERACK. By default
    /// no large frames are advertised (the plain form only); with `.largeFrames` both directions switch to the
    /// escape form once the node's VERSION arrives.
    func handshake(height: UInt32 = 0, listenPort: UInt32 = 1, services: ServiceFlags = [.blockServe, .bulkSync])
        throws
    {
        let version = VersionMessage(
            height: height,
            timestamp: UInt64(Date().timeIntervalSince1970),
            port: listenPort,
            services: services
        )
        guard send(.version(version)) else { throw E2EError("VERSION not sent") }
        var sawVersion = false
        var sawVerack = false
        let end = Date().addingTimeInterval(15)
        while !(sawVersion && sawVerack) && Date() < end {
            guard let frames = try receive() else { throw E2EError("connection closed during the handshake") }
            for frame in frames {
                if frame.type == .version {
                    sawVersion = true
                    if case .accept(.version(let theirs))? = Optional(
                        MessageClassifier.classify(frame, peerServices: [])
                    ), theirs.advertisedServices.contains(.largeFrames), services.contains(.largeFrames) {
                        decoder.largeFramesNegotiated = true
                        encoder.largeFramesNegotiated = true
                    }
                    send(.verack)
                }
                if frame.type == .verack { sawVerack = true }
            }
        }
        guard sawVersion && sawVerack else { throw E2EError("no VERSION/VERACK from the node within 15 s") }
    }

    /// The frames that arrived within one receive timeout (possibly none); nil once the node closed.
    func receive() throws -> [Frame]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { return nil }
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return [] }
            return nil
        }
        bytesReceived += count
        try decoder.append(buffer[0..<count])
        var frames: [Frame] = []
        while let frame = try decoder.next() { frames.append(frame) }
        return frames
    }

    /// Whether the node has closed the connection, without waiting and without consuming anything.
    func isClosedNow() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        if count == 0 { return true }
        if count < 0 { return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) }
        return false
    }

    /// Whether the node has closed the connection, reading and discarding whatever arrived before, without waiting.
    func isClosedAfterDraining() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count == 0 { return true }
            if count < 0 { return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) }
            bytesReceived += count
        }
    }

    /// Whether the node has closed the connection (reads and discards what arrived).
    func isClosed() -> Bool {
        do { return try receive() == nil } catch { return true }
    }
}

/// A raw peer from `source` to `node`, retrying while the node's listener is not up yet (a service is ready at its
/// first heartbeat, which bloom-net sends a few milliseconds before its listening socket is bound).
func rawPeer(from source: String, to node: E2ENode) async throws -> RawPeer {
    var peer: RawPeer?
    try await eventually("a TCP connection from \(source) to n\(node.index)", timeout: 30, log: node) {
        peer = try? RawPeer(from: source, to: node.address, port: node.port)
        return peer != nil
    }
    guard let peer else { throw E2EError("no connection to n\(node.index)") }
    return peer
}
