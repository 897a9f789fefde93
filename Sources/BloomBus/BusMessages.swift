import BloomCore
import Synchronization

/// The messages a ``BusClient`` received, as an `AsyncSequence`. The loop thread delivers them in batches (one
/// `AsyncStream` hop per batch, not per message); ``AsyncIterator/next()`` hands them out one by one and
/// ``AsyncIterator/nextBatch()`` a whole batch at a time, for consumers that process many messages per wake-up.
///
/// One consumer: make one iterator and use it from one task. The sequence finishes when the client stops.
public struct BusMessages: AsyncSequence, Sendable {
    public typealias Element = BusMessage
    public typealias Failure = Never

    let stream: AsyncStream<[BusMessage]>
    let shared: BusClientShared

    init(stream: AsyncStream<[BusMessage]>, shared: BusClientShared) {
        self.stream = stream
        self.shared = shared
    }

    /// Messages from a stream of batches with no flow control (doubles and adapters; batches must not be empty).
    public init(unboundedStream stream: AsyncStream<[BusMessage]>) {
        self.stream = stream
        self.shared = BusClientShared(receiveBufferLimit: Int.max)
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), shared: shared)
    }

    /// Iterates received messages one by one (``next()``) or a batch at a time (``nextBatch()``).
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<[BusMessage]>.Iterator
        let shared: BusClientShared
        var buffer: [BusMessage] = []
        var index = 0

        /// The next message, or nil once the client has stopped.
        public mutating func next() async -> BusMessage? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            guard let batch = await base.next() else { return nil }
            shared.consumed(batch.count)
            // Batches are never empty (the loop thread yields only non-empty ones); checked, not assumed.
            guard let first = batch.first else { return await next() }
            buffer = batch
            index = 1
            return first
        }

        /// Every message already received and not yet returned (at least one), or nil once the client has stopped.
        public mutating func nextBatch() async -> [BusMessage]? {
            if index < buffer.count {
                let rest = Array(buffer[index...])
                buffer = []
                index = 0
                return rest
            }
            buffer = []
            index = 0
            guard let batch = await base.next() else { return nil }
            shared.consumed(batch.count)
            return batch
        }
    }
}

/// State shared between a ``BusClient``, its loop thread and the consumer of its messages.
final class BusClientShared: Sendable {
    let published = Atomic<Int>(0)
    let received = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    let malformed = Atomic<Int>(0)
    let sendFailures = Atomic<Int>(0)
    let probeSeen = Atomic<Bool>(false)
    let droppedBySender = Locked<[SenderID: UInt64]>([:])

    /// Messages yielded by the loop thread and not yet taken by the consumer: the loop stops reading at the limit.
    let outstanding = Atomic<Int>(0)
    /// The loop thread stopped polling the SUB socket; the consumer must wake it after taking messages.
    let paused = Atomic<Bool>(false)
    let receiveBufferLimit: Int
    private let waker = Locked<(@Sendable () -> Void)?>(nil)

    init(receiveBufferLimit: Int) {
        self.receiveBufferLimit = max(1, receiveBufferLimit)
    }

    func setWaker(_ wake: @escaping @Sendable () -> Void) {
        waker.withLock { $0 = wake }
    }

    /// Consumer side: `count` messages were taken. Sequentially consistent with ``mayRead()``: either the loop sees
    /// the new count, or this sees `paused` and wakes the loop.
    func consumed(_ count: Int) {
        outstanding.subtract(count, ordering: .sequentiallyConsistent)
        if paused.load(ordering: .sequentiallyConsistent) {
            let wake = waker.withLock { $0 }
            wake?()
        }
    }

    /// Loop side: whether to poll the SUB socket now.
    func mayRead() -> Bool {
        if outstanding.load(ordering: .sequentiallyConsistent) < receiveBufferLimit {
            paused.store(false, ordering: .sequentiallyConsistent)
            return true
        }
        paused.store(true, ordering: .sequentiallyConsistent)
        if outstanding.load(ordering: .sequentiallyConsistent) < receiveBufferLimit {
            paused.store(false, ordering: .sequentiallyConsistent)
            return true
        }
        return false
    }
}
