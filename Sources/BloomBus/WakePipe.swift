#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A non-blocking pipe used to wake a thread sleeping in `zmq_poll`: the read end sits in the poll set, any thread
/// writes a byte to wake it. A full pipe already means "wake up", so a failed write is harmless.
final class WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws(ZMQError) {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 {
            throw ZMQError(code: .init(rawValue: errno), operation: "pipe")
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    /// Wakes the poller. Safe from any thread.
    func signal() {
        var byte: UInt8 = 1
        while write(writeEnd, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Empties the pipe (poller thread only), so the next poll sleeps until the next signal.
    func drain() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while true {
            let n = withUnsafeMutableBytes(of: &buffer) { read(readEnd, $0.baseAddress, $0.count) }
            if n > 0 { continue }
            if n < 0 && errno == EINTR { continue }
            return
        }
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
