import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the bus lives: the forwarder's two endpoints and the supervisor's control socket.
///
/// By default they are `ipc://` sockets in `<data-dir>/run/` (mode 0700, so only the node's user can reach them):
/// `bus.pub` (publishers connect, the forwarder's XSUB binds), `bus.sub` (subscribers connect, the forwarder's XPUB
/// binds) and `control` (the supervisor's ROUTER). Endpoints are configuration: `tcp://` works too, so services can
/// sit on different hosts; `inproc://` is accepted for single-process tests.
public struct BusEndpoints: Hashable, Sendable, CustomStringConvertible {
    /// Where PUB sockets connect (`bus.pub`).
    public var publish: String
    /// Where SUB sockets connect (`bus.sub`).
    public var subscribe: String
    /// The supervisor's control socket (`control`).
    public var control: String

    /// Longest ipc path in bytes: `sockaddr_un.sun_path` holds 108 bytes including the terminating NUL.
    public static let maxIPCPathBytes = 107

    /// Endpoints given explicitly (flags `--bus-pub`, `--bus-sub`, `--control`); each is checked with
    /// ``validate(_:)``.
    public init(publish: String, subscribe: String, control: String) throws(BusEndpointError) {
        try Self.validate(publish)
        try Self.validate(subscribe)
        try Self.validate(control)
        self.publish = publish
        self.subscribe = subscribe
        self.control = control
    }

    /// The run directory of a data directory: `<data-dir>/run`.
    public static func runDirectory(dataDirectory: String) -> String {
        (dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/") + "run"
    }

    /// The default endpoints of a data directory, without touching the file system (the CLI uses this to find a
    /// node, which must not create anything).
    public static func defaults(dataDirectory: String) throws(BusEndpointError) -> BusEndpoints {
        let run = runDirectory(dataDirectory: dataDirectory)
        return try BusEndpoints(
            publish: "ipc://\(run)/bus.pub",
            subscribe: "ipc://\(run)/bus.sub",
            control: "ipc://\(run)/control"
        )
    }

    /// Creates `<data-dir>/run/` with mode 0700 (and the data directory if needed; an existing run directory is
    /// set to 0700) and returns the default endpoints in it.
    /// - Throws: ``BusEndpointError/ipcPathTooLong(endpoint:bytes:limit:)`` when the data directory is so deep
    ///   that the socket paths do not fit; ``BusEndpointError/runDirectory(path:errno:message:)`` when the
    ///   directory cannot be created or made private.
    public static func prepare(dataDirectory: String) throws(BusEndpointError) -> BusEndpoints {
        let endpoints = try defaults(dataDirectory: dataDirectory)
        let run = runDirectory(dataDirectory: dataDirectory)
        do {
            try FileManager.default.createDirectory(
                atPath: run,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            let code = (error as NSError).userInfo[NSUnderlyingErrorKey].flatMap { ($0 as? NSError)?.code } ?? 0
            throw .runDirectory(path: run, errno: Int32(code), message: "\(error)")
        }
        if chmod(run, 0o700) != 0 {
            let code = errno
            throw .runDirectory(path: run, errno: code, message: String(cString: strerror(code)))
        }
        return endpoints
    }

    /// Checks an endpoint's scheme and, for ipc, that its path fits ``maxIPCPathBytes``.
    public static func validate(_ endpoint: String) throws(BusEndpointError) {
        if endpoint.hasPrefix("ipc://") {
            let path = endpoint.dropFirst("ipc://".count)
            let bytes = path.utf8.count
            if bytes == 0 { throw .malformed(endpoint: endpoint, reason: "empty ipc path") }
            if bytes > maxIPCPathBytes {
                throw .ipcPathTooLong(endpoint: endpoint, bytes: bytes, limit: maxIPCPathBytes)
            }
        } else if endpoint.hasPrefix("tcp://") {
            let rest = endpoint.dropFirst("tcp://".count)
            guard let colon = rest.lastIndex(of: ":"), colon != rest.startIndex,
                rest.index(after: colon) != rest.endIndex
            else { throw .malformed(endpoint: endpoint, reason: "tcp endpoints are tcp://host:port") }
        } else if endpoint.hasPrefix("inproc://") {
            if endpoint.count == "inproc://".count { throw .malformed(endpoint: endpoint, reason: "empty inproc name") }
        } else {
            throw .unsupportedScheme(endpoint: endpoint)
        }
    }

    public var description: String { "pub=\(publish) sub=\(subscribe) control=\(control)" }
}

/// Why bus endpoints cannot be used.
public enum BusEndpointError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An ipc socket path longer than the kernel's `sun_path` allows.
    case ipcPathTooLong(endpoint: String, bytes: Int, limit: Int)
    /// Not `ipc://`, `tcp://` or `inproc://`.
    case unsupportedScheme(endpoint: String)
    /// A known scheme with an unusable address.
    case malformed(endpoint: String, reason: String)
    /// `<data-dir>/run` could not be created or set to mode 0700.
    case runDirectory(path: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .ipcPathTooLong(let endpoint, let bytes, let limit):
            "ipc path of \(endpoint) is \(bytes) bytes, the limit is \(limit): use a shorter --data-dir"
        case .unsupportedScheme(let endpoint):
            "endpoint \(endpoint) is not ipc://, tcp:// or inproc://"
        case .malformed(let endpoint, let reason):
            "endpoint \(endpoint) is malformed: \(reason)"
        case .runDirectory(let path, let errno, let message):
            "cannot prepare run directory \(path) (errno \(errno)): \(message)"
        }
    }
}
