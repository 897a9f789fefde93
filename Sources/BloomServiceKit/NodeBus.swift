import BloomBus

/// The process's ZeroMQ context and a readiness wait over BloomBus sockets and plain file descriptors, for the
/// dedicated threads of the kit (heartbeats, queries), the supervisor's loop and the CLI.
public enum NodeBus {
    // Safe: a libzmq context is thread-safe; one per process, alive until exit.
    private static let context: Result<ZMQContext, ZMQError> = Result { () throws(ZMQError) in try ZMQContext.make() }

    /// The process's context, for a service's own ``BusClient`` too: every context runs an I/O thread and a reaper
    /// thread of its own, and one per process carries a service's bus traffic with room to spare.
    public static func sharedContext() throws(ZMQError) -> ZMQContext {
        try context.get()
    }

    /// A new socket of `type` in the process's context.
    public static func socket(_ type: ZMQSocketType) throws(ZMQError) -> ZMQSocket {
        try context.get().makeSocket(type)
    }

    /// One thing to wait on.
    public enum Item {
        /// A ZeroMQ socket with a message to receive.
        case socket(ZMQSocket)
        /// A file descriptor with bytes to read.
        case fd(Int32)
    }

    /// Waits up to `timeoutMs` (-1: forever) and returns, per item, whether it is readable (or, for a descriptor,
    /// closed or in error: a read then tells which). A wait interrupted by a signal returns all false.
    public static func wait(_ items: [Item], timeoutMs: Int) throws(ZMQError) -> [Bool] {
        let set = ZMQPollSet()
        for item in items {
            switch item {
            case .socket(let socket): set.add(socket)
            case .fd(let fd): set.add(fileDescriptor: fd)
            }
        }
        try set.poll(timeoutMilliseconds: timeoutMs)
        // Any returned event counts: a pipe whose writer has gone reports POLLHUP without POLLIN, and the reader
        // must still read it to see the end of file (else every poll returns at once).
        return items.indices.map { set.returnedEvents(at: $0).rawValue != 0 }
    }
}
