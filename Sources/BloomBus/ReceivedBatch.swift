import CZeroMQ

/// The messages a ``BusClient``'s loop thread received in one wake-up, kept as libzmq delivered them: each body is
/// the received `zmq_msg_t` itself (moved out of the receive buffer, never copied into a Swift array), with its
/// decoded envelope and an index into the batch's table of distinct topics.
///
/// Why: copying each payload into a fresh `[UInt8]` cost a `malloc`, a `memcpy` and a `free` on another thread per
/// message, and every ``BusMessage`` retained the shared ``Topic`` (two reference counts bounced between the loop
/// thread and the consumer's). Here the whole batch is one object: a message is a reference to it and an index,
/// the topics are retained once per batch, and ``BusMessage/decode(_:)`` reads the payload in place.
///
/// Filled by the loop thread only, then handed to the consumer (the `AsyncStream` yield orders the writes before
/// any read) and never written again; the last ``BusMessage`` that refers to it closes the frames. A message kept
/// long after its handling keeps its whole batch (and libzmq's receive buffers it points into) alive: keep the
/// decoded payload or ``BusMessage/payload`` (a copy) instead.
final class ReceivedBatch: @unchecked Sendable {
    struct Entry {
        var envelope: Envelope
        /// Index into ``topics``.
        var topic: Int
        /// Where the payload starts in the body frame (after the envelope).
        var payloadOffset: Int
    }

    private var bodies: UnsafeMutablePointer<zmq_msg_t>
    private var capacity: Int
    private(set) var entries: [Entry] = []
    private(set) var topics: [Topic] = []

    /// A batch with room for `expected` messages before it grows.
    init(expected: Int) {
        capacity = max(1, expected)
        bodies = .allocate(capacity: capacity)
        entries.reserveCapacity(capacity)
    }

    deinit {
        for index in entries.indices { zmq_msg_close(bodies + index) }
        bodies.deallocate()
    }

    var count: Int { entries.count }

    /// Loop thread: takes the frame held by `body` (which is left empty) as the next message's body.
    /// - Returns: the message's index.
    func append(body: UnsafeMutablePointer<zmq_msg_t>, envelope: Envelope, topic: Topic, payloadOffset: Int) -> Int {
        if entries.count == capacity { grow() }
        let slot = bodies + entries.count
        zmq_msg_init(slot)
        zmq_msg_move(slot, body)
        entries.append(Entry(envelope: envelope, topic: topicIndex(topic), payloadOffset: payloadOffset))
        return entries.count - 1
    }

    /// The payload of message `index`; valid while this batch lives.
    func payload(_ index: Int) -> UnsafeRawBufferPointer {
        let frame = bodies + index
        let whole = UnsafeRawBufferPointer(start: zmq_msg_data(frame), count: zmq_msg_size(frame))
        return UnsafeRawBufferPointer(rebasing: whole[entries[index].payloadOffset...])
    }

    func topic(_ index: Int) -> Topic { topics[entries[index].topic] }

    /// Batches hold a handful of distinct topics: a linear scan from the last one added, comparing the frame
    /// buffers' identity first (``BusClientHandler`` hands out its remembered topics).
    private func topicIndex(_ topic: Topic) -> Int {
        var index = topics.count - 1
        while index >= 0 {
            if topics[index] == topic { return index }
            index -= 1
        }
        topics.append(topic)
        return topics.count - 1
    }

    private func grow() {
        let larger = capacity * 2
        let moved = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: larger)
        for index in 0..<entries.count {
            zmq_msg_init(moved + index)
            zmq_msg_move(moved + index, bodies + index)
            zmq_msg_close(bodies + index)
        }
        bodies.deallocate()
        bodies = moved
        capacity = larger
    }
}
