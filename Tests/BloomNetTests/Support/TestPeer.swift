import BloomWire
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A peer played with a plain blocking POSIX socket from its own loopback address (bans are by IP).
///
/// Reads wait at most `timeout` seconds (SO_RCVTIMEO), so a test that expects a frame fails instead of hanging.
final class TestPeer {
    let fd: Int32
    let localHost: String
    private var buffer: [UInt8] = []
    var largeFrames = false

    struct SocketError: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// Connects from `from` (any 127.x.y.z works on Linux without configuration) to `host:port`.
    init(from: String, to host: String = "127.0.0.1", port: Int, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(call: "socket", code: errno) }
        localHost = from
        do {
            try Self.setTimeout(fd, timeout)
            var local = try Self.address(from, 0)
            guard
                withUnsafePointer(
                    to: &local,
                    {
                        bind(
                            fd,
                            UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self),
                            socklen_t(MemoryLayout<sockaddr_in>.size)
                        )
                    }
                ) == 0
            else { throw SocketError(call: "bind", code: errno) }
            var remote = try Self.address(host, port)
            guard
                withUnsafePointer(
                    to: &remote,
                    {
                        connect(
                            fd,
                            UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self),
                            socklen_t(MemoryLayout<sockaddr_in>.size)
                        )
                    }
                ) == 0
            else { throw SocketError(call: "connect", code: errno) }
        } catch {
            close(fd)
            throw error
        }
    }

    /// Wraps an accepted socket.
    init(accepted fd: Int32, localHost: String, timeout: Double = 10) throws {
        self.fd = fd
        self.localHost = localHost
        try Self.setTimeout(fd, timeout)
    }

    deinit { close(fd) }

    static func setTimeout(_ fd: Int32, _ seconds: Double) throws {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SocketError(call: "setsockopt", code: errno)
        }
    }

    static func address(_ host: String, _ port: Int) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw SocketError(call: "inet_pton", code: EINVAL)
        }
        return address
    }

    /// Writes all bytes (one write call when the kernel takes them).
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw SocketError(call: "write", code: errno) }
            offset += written
        }
    }

    /// Half-closes our side (the node sees EOF).
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes; false at EOF or error (including the timeout).
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }

    /// The next frame from the node, nil at EOF or timeout.
    func readFrame() -> Frame? {
        while true {
            var decoder = FrameDecoder(largeFramesNegotiated: largeFrames)
            if (try? decoder.append(buffer)) != nil, let frame = try? decoder.next() {
                let header = largeFrames && frame.payload.count >= 65_535 ? 7 : 3
                buffer.removeFirst(header + frame.payload.count)
                return frame
            }
            guard fill() else { return nil }
        }
    }

    /// Reads frames until one of `type`; returns the frames read, that one included (nil if the stream ended).
    func readFrames(until type: MessageType, limit: Int = 10_000) -> [Frame]? {
        var frames: [Frame] = []
        for _ in 0..<limit {
            guard let frame = readFrame() else { return nil }
            frames.append(frame)
            if frame.type == type { return frames }
        }
        return nil
    }

    /// True once the node closed the connection (EOF or reset), reading and discarding what comes before it.
    func waitForClose() -> Bool {
        var discard = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<1_000 {
            let count = discard.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
        return false
    }

    /// The handshake as a Swift peer does it: read the node's VERSION, send ours (with services), read VERACK.
    @discardableResult
    func handshake(height: UInt32 = 1, port: UInt32, services: ServiceFlags? = .node) throws -> Frame? {
        let version = readFrame()
        try send(Wire.version(height: height, port: port, services: services))
        guard readFrame()?.type == .verack else { return nil }
        if services?.contains(.largeFrames) == true { largeFrames = true }
        return version
    }
}

/// A listening socket for the node to dial.
final class TestListener {
    let fd: Int32
    let host: String
    let port: Int

    init(host: String) throws {
        self.host = host
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = try TestPeer.address(host, 0)
        guard
            withUnsafePointer(
                to: &address,
                {
                    bind(
                        fd,
                        UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self),
                        socklen_t(MemoryLayout<sockaddr_in>.size)
                    )
                }
            ) == 0,
            listen(fd, 16) == 0
        else { throw TestPeer.SocketError(call: "bind/listen", code: errno) }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            getsockname(fd, UnsafeMutableRawPointer($0).assumingMemoryBound(to: sockaddr.self), &length)
        }
        self.port = Int(UInt16(bigEndian: bound.sin_port))
        try TestPeer.setTimeout(fd, 10)
    }

    deinit { close(fd) }

    /// The next connection from the node, nil on timeout.
    func accept() -> TestPeer? {
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { return nil }
        return try? TestPeer(accepted: client, localHost: host)
    }
}
