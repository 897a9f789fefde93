import Foundation

/// The supervisor ↔ service messages on the bus, each `[topic ‖ 0x00][JSON]`:
///
/// | topic | from → to | payload |
/// | --- | --- | --- |
/// | `svc.heartbeat` | service → supervisor | `Heartbeat` |
/// | `svc.query.<service>` | supervisor → service | `ServiceQuery` |
/// | `svc.reply` | service → supervisor | `ServiceReply` |
///
/// Anything that does not decode is dropped by the receiver (and counted in its log at debug).
public enum ServiceTopics {
    /// Liveness and readiness of every service.
    public static let heartbeat = "svc.heartbeat"
    /// Answers to queries.
    public static let reply = "svc.reply"

    /// Questions for `service` (full name).
    public static func query(_ service: String) -> String { "svc.query.\(service)" }

    /// The topic frame: the name and its terminator byte, so that prefix matching never confuses two topics.
    public static func frame(_ topic: String) -> [UInt8] { Array(topic.utf8) + [0] }
}

/// A service's liveness message (DESIGN.md, "Heartbeats").
public struct Heartbeat: Codable, Equatable, Sendable {
    /// Full service name.
    public var name: String
    /// Replica index.
    public var replica: Int
    /// Process id.
    public var pid: Int32
    /// Random per process start; a new value means the service restarted.
    public var bootID: UInt32
    /// Free-form state word (`ready`, `syncing`…).
    public var state: String
    /// For bloom-sync, the best tip.
    public var tip: Tip?

    /// A chain tip.
    public struct Tip: Codable, Equatable, Sendable {
        /// Block height.
        public var height: Int
        /// Block hash, 64 hex digits.
        public var hash: String

        /// Creates a tip.
        public init(height: Int, hash: String) {
            self.height = height
            self.hash = hash
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, replica, pid, state, tip
        case bootID = "boot_id"
    }

    /// Creates a heartbeat.
    public init(name: String, replica: Int, pid: Int32, bootID: UInt32, state: String, tip: Tip? = nil) {
        self.name = name
        self.replica = replica
        self.pid = pid
        self.bootID = bootID
        self.state = state
        self.tip = tip
    }
}

/// A question forwarded by the supervisor to every ready replica of one service.
public struct ServiceQuery: Codable, Equatable, Sendable {
    /// Request id, echoed in the reply.
    public var id: String
    /// The command (`peers`, `chain`, `coherence`, `tx.submit`…).
    public var cmd: String
    /// Command arguments.
    public var args: JSONValue

    /// Creates a query.
    public init(id: String, cmd: String, args: JSONValue) {
        self.id = id
        self.cmd = cmd
        self.args = args
    }
}

/// One replica's answer to a `ServiceQuery`.
public struct ServiceReply: Codable, Equatable, Sendable {
    /// The request id of the query.
    public var id: String
    /// Full service name of the replica that answers.
    public var name: String
    /// Its replica index.
    public var replica: Int
    /// Whether the command succeeded.
    public var ok: Bool
    /// The answer when `ok`.
    public var result: JSONValue?
    /// The reason when not `ok`.
    public var error: String?

    /// Creates a reply.
    public init(id: String, name: String, replica: Int, ok: Bool, result: JSONValue?, error: String?) {
        self.id = id
        self.name = name
        self.replica = replica
        self.ok = ok
        self.result = result
        self.error = error
    }
}

extension Encodable {
    /// JSON bytes of a message.
    public func jsonBytes() -> [UInt8] {
        // Safe: these message types hold only strings, integers and JSONValue, which always encode.
        (try? Array(JSONEncoder().encode(self))) ?? []
    }
}

extension Decodable {
    /// Decodes a message from JSON bytes; `nil` for anything malformed.
    public static func fromJSON(_ bytes: [UInt8]) -> Self? {
        try? JSONDecoder().decode(Self.self, from: Data(bytes))
    }
}
