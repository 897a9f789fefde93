/// What a ``SocketLoop`` does with its sockets. Every method runs on the loop's thread, which owns the handler and
/// the sockets; none may block (receive and send with `nonBlocking: true`).
///
/// A handler typically receives a batch of messages in ``socketReady(_:events:socket:)`` and hands them to async
/// code (an `AsyncStream` continuation), and sends what async code submitted in ``perform(_:sockets:)``.
public protocol SocketLoopHandler: AnyObject, SendableMetatype {
    /// What async code asks the loop to do (send this message, subscribe to that topic…).
    associatedtype Command: Sendable

    /// The events to poll socket `index` for in the next turn. Return `[]` to stop reading a socket whose consumer
    /// lags: messages then queue in libzmq up to the high-water mark, which is where drops happen and are counted.
    /// Called before every poll; the default is `.readable`.
    func pollEvents(forSocket index: Int) -> ZMQPollEvents

    /// Socket `index` reported `events`. Receive (non-blocking) a bounded batch, so one busy socket cannot starve
    /// the others or the command queue.
    func socketReady(_ index: Int, events: ZMQPollEvents, socket: ZMQSocket)

    /// Performs one submitted command, in submission order.
    func perform(_ command: Command, sockets: [ZMQSocket])

    /// The loop was woken (by a command, ``SocketLoop/wake()`` or stop), before the commands are performed.
    func woke()

    /// The loop is ending (stop, or a fatal poll error): finish streams, fail waiters. The sockets close after it.
    func loopFinished(error: ZMQError?)
}

extension SocketLoopHandler {
    public func pollEvents(forSocket index: Int) -> ZMQPollEvents { .readable }
    public func woke() {}
}
