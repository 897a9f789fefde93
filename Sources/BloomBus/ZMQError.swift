import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed libzmq call: the `errno` code, libzmq's own text for it (`zmq_strerror`), the operation that failed
/// and, when there is one, the endpoint it was given.
///
/// The set of codes is open (libzmq reports POSIX codes plus a few of its own), so `Code` is a struct with named
/// constants rather than an enum; compare with `error.code == .again`.
public struct ZMQError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An `errno` value as libzmq reports it.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// The operation would block (non-blocking send/receive, or a receive/send timeout expired).
        public static let again = Code(rawValue: EAGAIN)
        /// The context was terminated: the socket must be closed.
        public static let terminated = Code(rawValue: ZMQ_HAUSNUMERO + 53)
        /// A signal interrupted the call; retry.
        public static let interrupted = Code(rawValue: EINTR)
        /// An argument (option value, endpoint syntax…) is invalid.
        public static let invalid = Code(rawValue: EINVAL)
        /// The endpoint's transport is not supported (garbage scheme such as `foo://x`).
        public static let protocolNotSupported = Code(rawValue: EPROTONOSUPPORT)
        /// The address is already bound by someone else.
        public static let addressInUse = Code(rawValue: EADDRINUSE)
        /// The address is not available on this host (or an ipc directory does not exist).
        public static let addressNotAvailable = Code(rawValue: EADDRNOTAVAIL)
        /// A file-system path in an ipc endpoint does not exist.
        public static let noEntry = Code(rawValue: ENOENT)
        /// An ipc path is longer than `sockaddr_un.sun_path` allows.
        public static let nameTooLong = Code(rawValue: ENAMETOOLONG)
        /// ROUTER_MANDATORY: the routing id names no connected peer.
        public static let hostUnreachable = Code(rawValue: EHOSTUNREACH)
        /// The operation is not valid in the socket's current state (REQ/REP order).
        public static let finiteStateMachine = Code(rawValue: ZMQ_HAUSNUMERO + 51)
        /// The socket type does not support the operation.
        public static let notSupported = Code(rawValue: ENOTSUP)
        /// Too many open sockets in the context.
        public static let tooManyThreads = Code(rawValue: ZMQ_HAUSNUMERO + 54)

        public var description: String { String(cString: zmq_strerror(rawValue)) }
    }

    /// The `errno` value.
    public var code: Code
    /// `zmq_strerror(code)`, captured when the error was made.
    public var message: String
    /// The call that failed, e.g. `"bind"`, `"zmq_msg_send"`, `"setsockopt(ZMQ_SNDHWM)"`.
    public var operation: String
    /// The endpoint the call was given, when it was given one.
    public var endpoint: String?

    /// An error for `code`, with libzmq's text for it.
    public init(code: Code, operation: String, endpoint: String? = nil) {
        self.code = code
        self.message = code.description
        self.operation = operation
        self.endpoint = endpoint
    }

    /// The error libzmq just reported on this thread (`zmq_errno()`).
    static func last(_ operation: String, endpoint: String? = nil) -> ZMQError {
        ZMQError(code: Code(rawValue: zmq_errno()), operation: operation, endpoint: endpoint)
    }

    public var description: String {
        let target = endpoint.map { " \($0)" } ?? ""
        return "\(operation)\(target) failed: \(message) (errno \(code.rawValue))"
    }
}
