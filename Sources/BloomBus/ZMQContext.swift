import CZeroMQ

/// A libzmq context: the I/O threads and the registry of sockets.
///
/// One owner: whoever made it. Every ``ZMQSocket`` keeps its context alive, so the context is terminated only after
/// its last socket has been closed; `deinit` then calls `zmq_ctx_term`. Termination can never hang, because every
/// socket this library creates has `ZMQ_LINGER` 0 (and the context is made non-blocky, so a socket created outside
/// this library gets linger 0 as well): unsent messages are discarded when a socket closes.
///
/// libzmq contexts are thread-safe, hence `Sendable`.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    private init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    /// Creates a context.
    /// - Parameter ioThreads: libzmq I/O threads (1 handles well over a million messages a second).
    /// - Throws: ``ZMQError`` when libzmq cannot create the context or set its options.
    public static func make(ioThreads: Int = 1) throws(ZMQError) -> ZMQContext {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        let context = ZMQContext(handle: handle)
        // A non-blocky context gives new sockets linger 0, so zmq_ctx_term cannot wait for undeliverable messages.
        if zmq_ctx_set(handle, ZMQ_BLOCKY, 0) != 0 { throw ZMQError.last("zmq_ctx_set(ZMQ_BLOCKY)") }
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: max(1, ioThreads))) != 0 {
            throw ZMQError.last("zmq_ctx_set(ZMQ_IO_THREADS)")
        }
        return context
    }

    /// Makes blocking calls on every socket of this context return ``ZMQError/Code/terminated`` (`zmq_ctx_shutdown`).
    /// The sockets must still be closed; the context is terminated when the last reference goes.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    /// Creates a socket of this context with linger 0.
    /// - Throws: ``ZMQError`` (e.g. ``ZMQError/Code/tooManyThreads`` when the context's socket limit is reached).
    public func makeSocket(_ type: ZMQSocketType) throws(ZMQError) -> ZMQSocket {
        try ZMQSocket.make(type, context: self)
    }

    deinit {
        // EINTR: a signal arrived while libzmq was closing; the call must be repeated.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
