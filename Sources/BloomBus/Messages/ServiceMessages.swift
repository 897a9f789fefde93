import BloomCore

/// `svc.query.<service>`: a question from the CLI, forwarded by the supervisor. The payload is the JSON request
/// (`{id, cmd, args}`); the envelope's request id pairs it with its ``ServiceReply``.
public struct ServiceQuery: BusPayload, Hashable {
    /// UTF-8 JSON bytes, passed through as they are.
    public var json: [UInt8]

    /// A message carrying `json`.
    public init(json: [UInt8]) { self.json = json }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        json = try BusStrings.readRest(&reader, "query.json")
    }

    public func encode(into writer: inout ByteWriter) { writer.append(json) }
}

/// `svc.reply`: a service's answer (JSON); the envelope repeats the query's request id and sets
/// ``Envelope/Flags/error`` when the answer is an error.
public struct ServiceReply: BusPayload, Hashable {
    /// UTF-8 JSON bytes, passed through as they are.
    public var json: [UInt8]

    /// A message carrying `json`.
    public init(json: [UInt8]) { self.json = json }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        json = try BusStrings.readRest(&reader, "reply.json")
    }

    public func encode(into writer: inout ByteWriter) { writer.append(json) }
}
