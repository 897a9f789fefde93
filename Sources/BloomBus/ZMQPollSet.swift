import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reusable set of ZeroMQ sockets and file descriptors to wait on with `zmq_poll` (the stable API; libzmq's
/// `zmq_poller` is a draft API in Debian's build).
///
/// Used by one thread (its owner). The item array is allocated once, so a poll loop costs no allocation per turn.
public final class ZMQPollSet {
    private var items: [zmq_pollitem_t] = []
    /// Retains the sockets whose handles sit in `items`.
    private var sockets: [ZMQSocket?] = []

    /// An empty set.
    public init() {}

    /// Number of items.
    public var count: Int { items.count }

    /// Adds a socket; returns its index.
    @discardableResult
    public func add(_ socket: ZMQSocket, events: ZMQPollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events.rawValue, revents: 0))
        sockets.append(socket)
        return items.count - 1
    }

    /// Adds a file descriptor (a pipe, an eventfd, a TCP socket); returns its index.
    @discardableResult
    public func add(fileDescriptor: Int32, events: ZMQPollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        sockets.append(nil)
        return items.count - 1
    }

    /// Changes what item `index` is polled for (empty: ignore it for now).
    public func setEvents(_ events: ZMQPollEvents, at index: Int) {
        items[index].events = events.rawValue
    }

    /// What item `index` was polled for.
    public func events(at index: Int) -> ZMQPollEvents {
        ZMQPollEvents(rawValue: items[index].events)
    }

    /// What item `index` reported in the last ``poll(timeoutMilliseconds:)``.
    public func returnedEvents(at index: Int) -> ZMQPollEvents {
        ZMQPollEvents(rawValue: items[index].revents)
    }

    /// Waits until an item is ready or the timeout passes. A signal (EINTR) counts as "nothing ready".
    /// - Parameter timeoutMilliseconds: -1 waits forever, 0 returns at once.
    /// - Returns: the number of ready items.
    /// - Throws: ``ZMQError`` (``ZMQError/Code/terminated`` when the context of a socket was shut down).
    @discardableResult
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        let ready = items.withUnsafeMutableBufferPointer {
            zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds)
        }
        if ready >= 0 { return Int(ready) }
        if zmq_errno() == EINTR {
            for index in items.indices { items[index].revents = 0 }
            return 0
        }
        throw ZMQError.last("zmq_poll")
    }
}
