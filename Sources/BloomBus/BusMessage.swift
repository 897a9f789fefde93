import BloomCore

/// One bus message: `[topic][envelope ‖ payload]` on the wire.
///
/// A message received by a ``BusClient`` refers to the libzmq frame it arrived in (``ReceivedBatch``): its payload
/// is not copied until someone asks for ``payload`` as an array, and ``decode(_:)`` or ``withPayloadBytes(_:)``
/// read it in place. A message built in code holds its parts.
public struct BusMessage: Sendable {
    enum Storage: Sendable {
        case parts(topic: Topic, envelope: Envelope, payload: [UInt8])
        case received(ReceivedBatch, index: Int)
    }

    var storage: Storage

    /// A message from its parts.
    public init(topic: Topic, envelope: Envelope, payload: [UInt8]) {
        storage = .parts(topic: topic, envelope: envelope, payload: payload)
    }

    /// Message `index` of a received batch.
    init(batch: ReceivedBatch, index: Int) {
        storage = .received(batch, index: index)
    }

    /// The first frame.
    public var topic: Topic {
        get {
            switch storage {
            case .parts(let topic, _, _): topic
            case .received(let batch, let index): batch.topic(index)
            }
        }
        set { storage = .parts(topic: newValue, envelope: envelope, payload: payload) }
    }

    /// The fixed header of the second frame.
    public var envelope: Envelope {
        get {
            switch storage {
            case .parts(_, let envelope, _): envelope
            case .received(let batch, let index): batch.entries[index].envelope
            }
        }
        set { storage = .parts(topic: topic, envelope: newValue, payload: payload) }
    }

    /// The topic's payload (see ``BusPayload``), after the envelope. For a received message this is a copy; prefer
    /// ``decode(_:)`` or ``withPayloadBytes(_:)``, which read the received frame in place.
    public var payload: [UInt8] {
        get {
            switch storage {
            case .parts(_, _, let payload): payload
            // `Array(_:)` of a raw buffer is specialised here (a memcpy into a freshly sized buffer); the
            // `unsafeUninitializedCapacity` initialiser went through the runtime's generic metadata lookup.
            case .received(let batch, let index): Array(batch.payload(index))
            }
        }
        set { storage = .parts(topic: topic, envelope: envelope, payload: newValue) }
    }

    /// Runs `body` over the payload's bytes without copying them (valid only during the call).
    public func withPayloadBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch storage {
        case .parts(_, _, let payload):
            let result = payload.withUnsafeBytes { bytes in Result { () throws(E) -> R in try body(bytes) } }
            return try result.get()
        case .received(let batch, let index):
            return try withExtendedLifetime(batch) { () throws(E) -> R in try body(batch.payload(index)) }
        }
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
        self.init(
            topic: topic,
            envelope: envelope,
            payload: Array(UnsafeRawBufferPointer(rebasing: body[reader.position...]))
        )
    }

    /// The two frames as sent.
    public func frames() -> [[UInt8]] {
        var body = [UInt8](repeating: 0, count: Envelope.size)
        body.withUnsafeMutableBytes { envelope.write(to: $0) }
        withPayloadBytes { body.append(contentsOf: $0) }
        return [topic.frame, body]
    }

    /// Decodes the payload as `type`.
    public func decode<P: BusPayload>(_ type: P.Type) throws(DecodeError) -> P {
        try withPayloadBytes { (bytes) throws(DecodeError) -> P in try P(decoding: bytes) }
    }
}
