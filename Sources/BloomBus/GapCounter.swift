/// Counts messages lost between publishers and one receiver from the envelopes' sequence numbers.
///
/// Sequence numbers run per (sender, topic), from 1. A jump from n to n + k + 1 means k messages were dropped
/// (past a high-water mark somewhere on the path). A number at or below the last one seen means the sender
/// restarted its numbering (a new socket); it is taken as the new start, not as a drop. Trailing drops (the last
/// messages of a stream) show up only when a later message of that sender and topic arrives. A receiver that
/// unsubscribes from a topic and subscribes again sees what it missed meanwhile as drops.
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

    /// A counter that has seen nothing.
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
