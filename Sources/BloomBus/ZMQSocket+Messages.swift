import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ZMQSocket {
    /// Sends one multipart message. The frames are copied; the caller keeps its arrays.
    ///
    /// libzmq delivers multipart messages atomically: once the first frame is accepted the others are too.
    /// - Parameters:
    ///   - frames: at least one frame (an empty list sends nothing and returns true).
    ///   - nonBlocking: fail instead of waiting when the socket cannot take the message now.
    /// - Returns: false when `nonBlocking` (or a send timeout) meant the message could not be queued; true when sent.
    ///   PUB and XPUB never wait: past the high-water mark they drop the message and still return true.
    /// - Throws: ``ZMQError`` for anything but "would block", e.g. EHOSTUNREACH from a ROUTER_MANDATORY socket.
    @discardableResult
    public func send(_ frames: [[UInt8]], nonBlocking: Bool = false) throws(ZMQError) -> Bool {
        for index in frames.indices {
            let more = index < frames.count - 1
            let flags = (more ? ZMQ_SNDMORE : 0) | (nonBlocking ? ZMQ_DONTWAIT : 0)
            let error = frames[index].withUnsafeBytes { sendRaw($0, flags: flags) }
            if error == 0 { continue }
            if error == EAGAIN && index == 0 { return false }
            // EAGAIN after the first frame is unreachable by libzmq's atomicity guarantee; reported, not ignored.
            throw ZMQError(code: .init(rawValue: error), operation: "zmq_send(frame \(index))")
        }
        return true
    }

    /// Sends one frame; returns 0 or the errno (EINTR retried).
    private func sendRaw(_ frame: UnsafeRawBufferPointer, flags: Int32) -> Int32 {
        while true {
            if zmq_send(handle, frame.baseAddress, frame.count, flags) >= 0 { return 0 }
            let error = zmq_errno()
            if error != EINTR { return error }
        }
    }

    /// Sends one frame, copied from `frame`.
    /// - Parameter more: another frame of the same message follows (`ZMQ_SNDMORE`).
    /// - Returns: false when the frame could not be queued without waiting (see ``send(_:nonBlocking:)``).
    @discardableResult
    public func sendFrame(_ frame: UnsafeRawBufferPointer, more: Bool, nonBlocking: Bool = false) throws(ZMQError)
        -> Bool
    {
        let flags = (more ? ZMQ_SNDMORE : 0) | (nonBlocking ? ZMQ_DONTWAIT : 0)
        let error = sendRaw(frame, flags: flags)
        if error == 0 { return true }
        if error == EAGAIN { return false }
        throw ZMQError(code: .init(rawValue: error), operation: "zmq_send")
    }

    /// Receives one multipart message as owned arrays.
    /// - Parameter nonBlocking: return nil at once when no message is waiting.
    /// - Returns: the frames, or nil when nothing was available (non-blocking, or the receive timeout expired).
    /// - Throws: ``ZMQError`` (``ZMQError/Code/terminated`` once the context is shut down).
    public func receive(nonBlocking: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        let got = try receiveFrames(nonBlocking: nonBlocking) { frame, _ in frames.append(Array(frame)) }
        return got ? frames : nil
    }

    /// Receives one multipart message without copying it into arrays: `body` sees each frame in order, with a
    /// buffer that is valid only during that call, and whether another frame follows.
    /// - Returns: false when nothing was available (non-blocking, or the receive timeout expired).
    @discardableResult
    public func receiveFrames(
        nonBlocking: Bool = false,
        _ body: (_ frame: UnsafeRawBufferPointer, _ more: Bool) -> Void
    ) throws(ZMQError) -> Bool {
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        var first = true
        while true {
            let flags = (first && nonBlocking) ? ZMQ_DONTWAIT : 0
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let error = zmq_errno()
                if error == EINTR { continue }
                if error == EAGAIN && first { return false }
                throw ZMQError.last("zmq_msg_recv")
            }
            first = false
            let more = zmq_msg_more(&message) != 0
            body(UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: zmq_msg_size(&message)), more)
            if !more { return true }
        }
    }
}
