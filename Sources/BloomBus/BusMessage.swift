import BloomCore

/// One bus message: `[topic][envelope ‖ payload]` on the wire.
public struct BusMessage: Sendable {
    public var topic: Topic
    public var envelope: Envelope
    /// The topic's payload (see ``BusPayload``), after the envelope.
    public var payload: [UInt8]

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
            throw DecodeError(.countOutOfRange, at: 0, field: "message.frames", detail: "\(frames.count) frames, expected 2")
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
        let rest = UnsafeRawBufferPointer(rebasing: body[reader.position...])
        self.payload = [UInt8](unsafeUninitializedCapacity: rest.count) { buffer, count in
            if let target = buffer.baseAddress, let source = rest.baseAddress {
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: rest.count)
            }
            count = rest.count
        }
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

/// Counts messages lost between publishers and one receiver from the envelopes' sequence numbers.
///
/// Sequence numbers run per (sender, topic), from 1. A jump from n to n + k + 1 means k messages were dropped
/// (past a high-water mark somewhere on the path). A number at or below the last one seen means the sender
/// restarted its numbering (a new socket); it is taken as the new start, not as a drop. Trailing drops (the last
/// messages of a stream) show up only when a later message of that sender and topic arrives.
public struct GapCounter: Sendable {
    private struct Key: Hashable {
        var sender: SenderID
        var topic: Topic
    }

    private var last: [Key: UInt64] = [:]
    /// The most recent (sender, topic) and its last sequence, kept out of `last` (written back on a change of key):
    /// bus traffic comes in runs of one sender and topic, and this spares two hash lookups per message.
    private var cachedKey: Key?
    private var cachedSequence: UInt64 = 0
    /// Messages seen missing so far, all senders together.
    public private(set) var dropped: UInt64 = 0
    /// Messages seen missing, per sender.
    public private(set) var droppedBySender: [SenderID: UInt64] = [:]

    /// Bounds the memory of a long-running receiver: past this many (sender, topic) pairs (many restarts), the
    /// table starts over, which can only miss drops, never invent them.
    public static let maxTracked = 4096

    public init() {}

    /// Records a received message; returns how many messages of its (sender, topic) went missing just before it.
    @discardableResult
    public mutating func record(sender: SenderID, topic: Topic, sequence: UInt64) -> UInt64 {
        let key = Key(sender: sender, topic: topic)
        let previous: UInt64?
        if let cachedKey, cachedKey == key {
            previous = cachedSequence
        } else {
            if let cachedKey { last[cachedKey] = cachedSequence }
            previous = last.removeValue(forKey: key)
            if last.count >= Self.maxTracked { last.removeAll(keepingCapacity: true) }
            cachedKey = key
        }
        cachedSequence = sequence
        guard let previous, sequence > previous else { return 0 }
        let gap = sequence - previous - 1
        if gap > 0 {
            dropped &+= gap
            droppedBySender[sender, default: 0] &+= gap
        }
        return gap
    }

    /// Records a received message.
    @discardableResult
    public mutating func record(_ message: BusMessage) -> UInt64 {
        record(sender: message.envelope.sender, topic: message.topic, sequence: message.envelope.sequence)
    }
}
