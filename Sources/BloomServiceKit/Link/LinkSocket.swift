import CZeroMQ
import Glibc

/// A libzmq error: the failing call and `zmq_errno()`.
///
/// The kit's own minimal ZeroMQ layer ("link"): heartbeats, queries, the forwarder and the control socket need
/// only a handful of calls. It exists because BloomBus's socket layer was not available when the supervisor was
/// written; it can be replaced by BloomBus's sockets without changing the kit's public service API.
public struct LinkError: Error, Equatable, CustomStringConvertible {
    /// The libzmq call that failed.
    public var operation: String
    /// `zmq_errno()` at the failure.
    public var code: Int32

    /// `zmq_errno()` for a call that just failed.
    static func last(_ operation: String) -> LinkError {
        LinkError(operation: operation, code: zmq_errno())
    }

    /// EAGAIN: nothing to receive, or the send would block.
    public var wouldBlock: Bool { code == EAGAIN }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code)))"
    }
}

/// The process's one ZeroMQ context.
final class LinkContext: @unchecked Sendable {
    // Safe: a libzmq context is thread-safe; it lives as long as the process.
    static let shared = LinkContext()
    let handle: UnsafeMutableRawPointer

    private init() {
        // Safe to unwrap: zmq_ctx_new fails only when the process is out of file descriptors or memory at start-up.
        handle = zmq_ctx_new()!
    }
}

/// One ZeroMQ socket, owned by one thread at a time; closed on deinit with linger 0 so that a stopping process
/// never waits on a peer that has gone.
public final class LinkSocket: @unchecked Sendable {
    /// The socket types the kit and the supervisor use.
    public enum Kind: Sendable {
        case pub, sub, xpub, xsub, router, dealer, pair

        var raw: Int32 {
            switch self {
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .xpub: ZMQ_XPUB
            case .xsub: ZMQ_XSUB
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .pair: ZMQ_PAIR
            }
        }
    }

    let handle: UnsafeMutableRawPointer

    private init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    /// Creates a socket of `kind` in the process's context.
    public static func make(_ kind: Kind) throws(LinkError) -> LinkSocket {
        guard let handle = zmq_socket(LinkContext.shared.handle, kind.raw) else { throw .last("zmq_socket") }
        let socket = LinkSocket(handle: handle)
        try socket.setOption(ZMQ_LINGER, 0)
        return socket
    }

    deinit { zmq_close(handle) }

    func setOption(_ option: Int32, _ value: Int32) throws(LinkError) {
        var value = value
        if zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) != 0 { throw .last("zmq_setsockopt") }
    }

    /// Binds to `endpoint`.
    public func bind(_ endpoint: String) throws(LinkError) {
        if zmq_bind(handle, endpoint) != 0 { throw .last("zmq_bind \(endpoint)") }
    }

    /// Connects to `endpoint`.
    public func connect(_ endpoint: String) throws(LinkError) {
        if zmq_connect(handle, endpoint) != 0 { throw .last("zmq_connect \(endpoint)") }
    }

    /// Subscribes a SUB socket to topics starting with `prefix`.
    public func subscribe(_ prefix: [UInt8]) throws(LinkError) {
        let rc = prefix.withUnsafeBytes { zmq_setsockopt(handle, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) }
        if rc != 0 { throw .last("zmq_setsockopt SUBSCRIBE") }
    }

    /// Sends a multipart message; with `dontWait`, a full queue throws an error whose `wouldBlock` is true.
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws(LinkError) {
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index + 1 < frames.count ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if rc < 0 { throw .last("zmq_send") }
        }
    }

    /// Receives one multipart message, or `nil` when none is waiting (non-blocking).
    public func receive() throws(LinkError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let flags: Int32 = frames.isEmpty ? ZMQ_DONTWAIT : 0
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let error = LinkError.last("zmq_msg_recv")
                if error.wouldBlock && frames.isEmpty { return nil }
                throw error
            }
            let size = zmq_msg_size(&message)
            if let data = zmq_msg_data(&message), size > 0 {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }
}

/// Waits until one of several sockets or file descriptors is readable (`zmq_poll`).
public enum LinkPoll {
    /// One thing to wait on.
    public enum Item {
        case socket(LinkSocket)
        case fd(Int32)
    }

    /// Waits up to `timeoutMs` (-1: forever) and returns, per item, whether it is readable.
    /// An interrupted wait (EINTR) returns all false.
    public static func wait(_ items: [Item], timeoutMs: Int) throws(LinkError) -> [Bool] {
        var raw = items.map { item -> zmq_pollitem_t in
            switch item {
            case .socket(let socket): zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fd(let fd): zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        let rc = raw.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeoutMs) }
        if rc < 0 {
            let error = LinkError.last("zmq_poll")
            if error.code == EINTR { return Array(repeating: false, count: items.count) }
            throw error
        }
        // Keep the sockets alive until the poll has returned.
        withExtendedLifetime(items) {}
        return raw.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
