import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One reusable `zmq_msg_t` at a stable address, for the hot paths of the forwarder and the bus client (receive
/// without copying into arrays, forward without copying at all). Owned by one loop thread.
final class ZMQMessageBuffer {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// The current frame's bytes; valid until the next receive into this buffer.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer))
    }

    /// Whether another frame of the same message follows.
    var more: Bool { zmq_msg_more(pointer) != 0 }

    /// Receives the next frame from `socket`. Returns 0, or the errno (EAGAIN when `nonBlocking` and nothing waits).
    func receive(from socket: UnsafeMutableRawPointer, nonBlocking: Bool) -> Int32 {
        while true {
            if zmq_msg_recv(pointer, socket, nonBlocking ? ZMQ_DONTWAIT : 0) >= 0 { return 0 }
            let error = zmq_errno()
            if error != EINTR { return error }
        }
    }

    /// Sends the held frame (moving its content, no copy). Returns 0 or the errno; on failure the content stays.
    func send(to socket: UnsafeMutableRawPointer, more: Bool, nonBlocking: Bool) -> Int32 {
        let flags = (more ? ZMQ_SNDMORE : 0) | (nonBlocking ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_msg_send(pointer, socket, flags) >= 0 { return 0 }
            let error = zmq_errno()
            if error != EINTR { return error }
        }
    }

    /// Replaces the content with `size` uninitialised bytes and returns them for filling.
    func reset(size: Int) -> UnsafeMutableRawBufferPointer {
        zmq_msg_close(pointer)
        zmq_msg_init_size(pointer, size)
        return UnsafeMutableRawBufferPointer(start: zmq_msg_data(pointer), count: size)
    }

    /// Receives and discards the rest of a multipart message whose current frame has `more` set.
    func discardRest(of socket: UnsafeMutableRawPointer) {
        while more {
            if receive(from: socket, nonBlocking: false) != 0 { return }
        }
    }
}
