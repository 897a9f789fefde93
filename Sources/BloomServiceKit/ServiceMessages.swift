import BloomBus
import Foundation

/// The supervisor ↔ service messages, in BloomBus's format (`[topic][envelope ‖ payload]`):
///
/// | topic | from → to | envelope | payload |
/// | --- | --- | --- | --- |
/// | `svc.heartbeat` | service → supervisor, any | event | BloomBus `Heartbeat` |
/// | `svc.query.<service>` | supervisor → service | request, request id | `ServiceQuery`: JSON `{cmd, args}` |
/// | `svc.reply` | service → supervisor | reply, same request id | `ServiceReply`: JSON `{ok, result, error}` |
/// | `svc.replicas` | supervisor → any | event | BloomBus `ServiceReplicas` |
///
/// Anything that does not decode is dropped by the receiver.
public enum ServiceWire {
    /// A decoded message.
    public enum Incoming: Sendable {
        case heartbeat(Heartbeat)
        case query(QueryMessage)
        case reply(ReplyMessage)
    }

    /// The sender kind for a full service name; services outside the catalog (tests) are `.test`.
    public static func kind(of service: String) -> ServiceKind {
        ServiceKind(name: service) ?? .test
    }

    /// Frames of a heartbeat.
    public static func frames(_ heartbeat: Heartbeat, sender: SenderID, sequence: UInt64) -> [[UInt8]] {
        BusMessage(
            topic: .serviceHeartbeat,
            envelope: Envelope(kind: .event, sender: sender, sequence: sequence),
            payload: heartbeat.encoded()
        ).frames()
    }

    /// Frames of the replica counts.
    public static func frames(_ replicas: ServiceReplicas, sender: SenderID, sequence: UInt64) -> [[UInt8]] {
        BusMessage(
            topic: .serviceReplicas,
            envelope: Envelope(kind: .event, sender: sender, sequence: sequence),
            payload: replicas.encoded()
        ).frames()
    }

    /// Frames of a query for `service`; `nil` when the name cannot be a topic.
    public static func frames(_ query: QueryMessage, to service: String, sender: SenderID, sequence: UInt64)
        -> [[UInt8]]?
    {
        guard let topic = Topic(validating: "svc.query." + service) else { return nil }
        let json = JSONValue.object(["cmd": .string(query.cmd), "args": query.args])
        return BusMessage(
            topic: topic,
            envelope: Envelope(kind: .request, sender: sender, sequence: sequence, requestID: query.id),
            payload: ServiceQuery(json: Array(json.encoded().utf8)).encoded()
        ).frames()
    }

    /// Frames of a reply.
    public static func frames(_ reply: ReplyMessage, sender: SenderID, sequence: UInt64) -> [[UInt8]] {
        var json: [String: JSONValue] = ["ok": .bool(reply.ok)]
        if let result = reply.result { json["result"] = result }
        if let error = reply.error { json["error"] = .string(error) }
        return BusMessage(
            topic: .serviceReply,
            envelope: Envelope(
                kind: .reply,
                flags: reply.ok ? [] : .error,
                sender: sender,
                sequence: sequence,
                requestID: reply.id
            ),
            payload: ServiceReply(json: Array(JSONValue.object(json).encoded().utf8)).encoded()
        ).frames()
    }

    /// Decodes a received message; `nil` for anything malformed or of another topic.
    public static func decode(_ frames: [[UInt8]]) -> Incoming? {
        guard let message = try? BusMessage(frames: frames) else { return nil }
        if message.topic == .serviceHeartbeat {
            return (try? message.decode(Heartbeat.self)).map { .heartbeat($0) }
        }
        if message.topic == .serviceReply {
            guard let reply = try? message.decode(ServiceReply.self), let json = try? JSONValue.decode(reply.json)
            else { return nil }
            return .reply(
                ReplyMessage(
                    id: message.envelope.requestID,
                    replica: Int(message.envelope.sender.replica),
                    bootID: message.envelope.sender.bootID,
                    ok: json["ok"] == .bool(true),
                    result: json["result"],
                    error: json["error"]?.stringValue
                )
            )
        }
        if message.topic.name.hasPrefix("svc.query.") {
            guard let query = try? message.decode(ServiceQuery.self), let json = try? JSONValue.decode(query.json),
                let cmd = json["cmd"]?.stringValue
            else { return nil }
            return .query(QueryMessage(id: message.envelope.requestID, cmd: cmd, args: json["args"] ?? .object([:])))
        }
        return nil
    }
}

/// A question forwarded by the supervisor to every ready replica of one service.
public struct QueryMessage: Equatable, Sendable {
    /// Request id (the envelope's), echoed in the reply.
    public var id: UInt64
    /// The command (`peers`, `chain`, `coherence`, `tx.submit`…).
    public var cmd: String
    /// Command arguments.
    public var args: JSONValue

    /// Creates a query.
    public init(id: UInt64, cmd: String, args: JSONValue) {
        self.id = id
        self.cmd = cmd
        self.args = args
    }
}

/// One replica's answer to a `QueryMessage`.
public struct ReplyMessage: Equatable, Sendable {
    /// The request id of the query.
    public var id: UInt64
    /// The replica index of the answering process.
    public var replica: Int
    /// The boot id of the answering process (from its envelope): tells apart replicas of the same index run by
    /// different supervisors on one bus.
    public var bootID: UInt32
    /// Whether the command succeeded.
    public var ok: Bool
    /// The answer when `ok`.
    public var result: JSONValue?
    /// The reason when not `ok`.
    public var error: String?

    /// Creates a reply.
    public init(id: UInt64, replica: Int, bootID: UInt32 = 0, ok: Bool, result: JSONValue?, error: String?) {
        self.id = id
        self.replica = replica
        self.bootID = bootID
        self.ok = ok
        self.result = result
        self.error = error
    }
}
