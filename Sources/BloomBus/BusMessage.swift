import BloomCore

/// One bus message: `[topic][envelope ‖ payload]` on the wire.
public struct BusMessage: Sendable {
    /// The first frame.
    public var topic: Topic
    /// The fixed header of the second frame.
    public var envelope: Envelope
    /// The topic's payload (see ``BusPayload``), after the envelope.
    public var payload: [UInt8]

    /// A message from its parts.
    public init(topic: Topic, envelope: Envelope, payload: [UInt8]) {
        self.topic = topic
        self.envelope = envelope
        self.payload = payload
    }

    /// Decodes a received message given as its frames.
    /// - Throws: ``DecodeError``: `countOutOfRange` unless there are exactly two frames, then as
    ///   ``init(topicFrame:body:)``.
    public init(frames: [[UInt8]]) throws(DecodeError) {
        guard frames.count == 2 else {
            throw DecodeError(
                .countOutOfRange,
                at: 0,
                field: "message.frames",
                detail: "\(frames.count) frames, expected 2"
            )
        }
        let result = frames[0].withUnsafeBytes { topic in
            frames[1].withUnsafeBytes { body in
                Result { () throws(DecodeError) -> BusMessage in try BusMessage(topicFrame: topic, body: body) }
            }
        }
        self = try result.get()
    }

    /// Decodes the two frames of a received message; the payload is copied.
    /// - Throws: ``DecodeError`` from ``Topic/init(frame:)`` or ``Envelope/init(from:)`` (offsets in the body frame).
    public init(topicFrame: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer) throws(DecodeError) {
        try self.init(topic: Topic(frame: topicFrame), body: body)
    }

    /// Decodes the body frame of a message whose topic is already known.
    init(topic: Topic, body: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = ByteReader(body)
        let envelope = try Envelope(from: &reader)
        self.topic = topic
        self.envelope = envelope
        // `Array(_:)` of a raw buffer is specialised here (a memcpy into a freshly sized buffer); the
        // `unsafeUninitializedCapacity` initialiser went through the runtime's generic metadata lookup per message.
        self.payload = Array(UnsafeRawBufferPointer(rebasing: body[reader.position...]))
    }

    /// The two frames as sent.
    public func frames() -> [[UInt8]] {
        var body = [UInt8](repeating: 0, count: Envelope.size)
        body.withUnsafeMutableBytes { envelope.write(to: $0) }
        body.append(contentsOf: payload)
        return [topic.frame, body]
    }

    /// Decodes the payload as `type`.
    public func decode<P: BusPayload>(_ type: P.Type) throws(DecodeError) -> P {
        try P(decoding: payload)
    }
}
