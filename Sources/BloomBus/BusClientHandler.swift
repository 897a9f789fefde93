import BloomCore
import CZeroMQ
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loop-thread half of a ``BusClient``: sends what was published, receives and decodes what arrives.
final class BusClientHandler: SocketLoopHandler {
    enum Command: Sendable {
        case publish(OutgoingBusMessage)
        /// Several messages in the caller's own array storage: one reference taken for the whole run, where a
        /// command per message copied each message (and counted references to its topic and payload) twice, once
        /// on the publishing thread and once on the loop thread.
        case publishRun(ArraySlice<OutgoingBusMessage>)
        /// A join probe: sent like a message but not counted as published.
        case probe(OutgoingBusMessage)
        /// `known`: the exact topic, remembered so that received topic frames can be matched without decoding.
        case subscribe([UInt8], known: Topic?)
        case unsubscribe([UInt8])
        /// Drop the connections to these endpoints and make them again.
        case redial(publish: String, subscribe: String)
    }

    /// Most messages received per wake-up (then the command queue gets its turn).
    static let maxBatch = 512
    /// Most distinct topics remembered for matching received frames.
    static let maxKnownTopics = 128
    static let probePrefix = Array("bus.probe.".utf8)

    private let pub: ZMQSocket
    private let sub: ZMQSocket
    private let sender: SenderID
    private let shared: BusClientShared
    private let continuation: AsyncStream<[BusMessage]>.Continuation
    private let logger: Logger
    private let topicBuffer = ZMQMessageBuffer()
    private let bodyBuffer = ZMQMessageBuffer()
    private let outBuffer = ZMQMessageBuffer()

    /// Last sequence number sent per topic.
    private var sequences = TopicSequences()
    /// What the receive path updates per message, in one struct so that a whole batch takes one exclusivity
    /// check (each access to a class's stored `var` is checked at run time).
    private var tables = ReceiveTables()

    init(
        pub: ZMQSocket,
        sub: ZMQSocket,
        sender: SenderID,
        shared: BusClientShared,
        continuation: AsyncStream<[BusMessage]>.Continuation,
        logger: Logger
    ) {
        self.pub = pub
        self.sub = sub
        self.sender = sender
        self.shared = shared
        self.continuation = continuation
        self.logger = logger
    }

    func pollEvents(forSocket index: Int) -> ZMQPollEvents {
        // The PUB socket is never read; the SUB socket only while the consumer keeps up.
        index == 1 && shared.mayRead() ? .readable : []
    }

    // MARK: Receiving

    func socketReady(_ index: Int, events: ZMQPollEvents, socket: ZMQSocket) {
        guard index == 1 else { return }
        let room = shared.receiveBufferLimit - shared.outstanding.load(ordering: .relaxed)
        let limit = min(Self.maxBatch, max(0, room))
        guard limit > 0 else { return }
        // Grows past this when a burst is waiting; a lone message does not pay for a full batch.
        let received = ReceivedBatch(expected: min(limit, 64))
        receive(into: received, limit: limit, tables: &tables)
        let count = received.count
        guard count > 0 else { return }
        var batch: [BusMessage] = []
        batch.reserveCapacity(count)
        for index in 0..<count { batch.append(BusMessage(batch: received, index: index)) }
        shared.outstanding.add(count, ordering: .sequentiallyConsistent)
        shared.received.add(count, ordering: .relaxed)
        continuation.yield(batch)
    }

    /// Receives until EAGAIN or `limit` messages, with one access to `tables` for the whole batch.
    private func receive(into batch: ReceivedBatch, limit: Int, tables: inout ReceiveTables) {
        var attempts = 0
        while batch.count < limit && attempts < Self.maxBatch * 2 {
            attempts += 1
            let error = topicBuffer.receive(from: sub.handle, nonBlocking: true)
            if error == EAGAIN { break }
            if error != 0 {
                let failure = ZMQError(code: .init(rawValue: error), operation: "zmq_msg_recv")
                logger.debug("bus receive failed", metadata: [BusLogKeys.error: "\(failure)"])
                break
            }
            receiveRest(into: batch, tables: &tables)
        }
    }

    /// With the topic frame in `topicBuffer`: receives the body, decodes its envelope in place and moves the frame
    /// into `batch`. Malformed and internal messages are counted or consumed here and not added.
    private func receiveRest(into batch: ReceivedBatch, tables: inout ReceiveTables) {
        guard topicBuffer.more else {
            shared.malformed.add(1, ordering: .relaxed)
            return
        }
        if bodyBuffer.receive(from: sub.handle, nonBlocking: false) != 0 { return }
        if bodyBuffer.more {
            bodyBuffer.discardRest(of: sub.handle)
            shared.malformed.add(1, ordering: .relaxed)
            return
        }
        let topic: Topic
        let envelope: Envelope
        let isProbe: Bool
        do throws(DecodeError) {
            (topic, isProbe) = try tables.topic(for: topicBuffer.bytes)
            var reader = ByteReader(bodyBuffer.bytes)
            envelope = try Envelope(from: &reader)
        } catch {
            shared.malformed.add(1, ordering: .relaxed)
            logger.debug("malformed bus message dropped", metadata: [BusLogKeys.error: "\(error)"])
            return
        }
        if isProbe {
            if envelope.sender == sender { shared.probeSeen.store(true, ordering: .releasing) }
            return
        }
        let gap = tables.gaps.record(sender: envelope.sender, topic: topic, sequence: envelope.sequence)
        if gap > 0 {
            shared.dropped.add(Int(clamping: gap), ordering: .relaxed)
            shared.droppedBySender.withLock { $0[envelope.sender, default: 0] &+= gap }
        }
        _ = batch.append(body: bodyBuffer.pointer, envelope: envelope, topic: topic, payloadOffset: Envelope.size)
    }

    // MARK: Sending

    func perform(_ command: Command, sockets: [ZMQSocket]) {
        switch command {
        case .publish(let message):
            if send(message) { shared.published.add(1, ordering: .relaxed) }
        case .publishRun(let run):
            var sent = 0
            run.withUnsafeBufferPointer { messages in
                for index in messages.indices where send(messages[index]) { sent += 1 }
            }
            shared.published.add(sent, ordering: .relaxed)
        case .probe(let message):
            send(message)
        case .subscribe(let prefix, let topic):
            do {
                try sub.subscribe(prefix)
            } catch {
                logger.warning("bus subscribe failed", metadata: [BusLogKeys.error: "\(error)"])
            }
            if let topic { tables.remember(topic) }
        case .unsubscribe(let prefix):
            do {
                try sub.unsubscribe(prefix)
            } catch {
                logger.warning("bus unsubscribe failed", metadata: [BusLogKeys.error: "\(error)"])
            }
        case .redial(let publish, let subscribe):
            // Subscriptions belong to the socket, not the connection: libzmq sends them again on the new one.
            for (socket, endpoint) in [(sockets[0], publish), (sockets[1], subscribe)] {
                try? socket.disconnect(endpoint)
                do {
                    try socket.connect(endpoint)
                } catch {
                    logger.warning("bus redial failed", metadata: [BusLogKeys.error: "\(error)"])
                }
            }
        }
    }

    /// Sends one message; false (and counted) if the PUB socket refused it.
    @discardableResult
    private func send(_ message: OutgoingBusMessage) -> Bool {
        let sequence = sequences.next(for: message.topic)
        let envelope = Envelope(
            kind: message.kind,
            flags: message.flags,
            sender: sender,
            sequence: sequence,
            peerID: message.peerID,
            requestID: message.requestID
        )
        let topicSent = message.topic.frame.withUnsafeBytes { frame in
            zmq_send(pub.handle, frame.baseAddress, frame.count, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0
        }
        guard topicSent else {
            shared.sendFailures.add(1, ordering: .relaxed)
            return false
        }
        let body = outBuffer.reset(size: Envelope.size + message.payload.count)
        envelope.write(to: body)
        message.payload.withUnsafeBytes { payload in
            if let source = payload.baseAddress, let target = body.baseAddress {
                (target + Envelope.size).copyMemory(from: source, byteCount: payload.count)
            }
        }
        if outBuffer.send(to: pub.handle, more: false, nonBlocking: true) == 0 { return true }
        shared.sendFailures.add(1, ordering: .relaxed)
        return false
    }

    func loopFinished(error: ZMQError?) {
        if let error { logger.warning("bus client loop ended", metadata: [BusLogKeys.error: "\(error)"]) }
        continuation.finish()
    }
}

/// A topic the client has seen or subscribed to, matched against received frames without decoding them.
struct KnownTopic {
    var topic: Topic
    /// Join probes are consumed by the client, never delivered.
    var isProbe: Bool
}

/// The receive side's per-message state: topics already known and the gap counter.
struct ReceiveTables {
    var gaps = GapCounter()
    /// Topics seen or subscribed, with whether they are internal probes (never delivered).
    private var known: [KnownTopic] = []

    /// The topic of a received frame: a remembered one (no allocation), else decoded and remembered.
    mutating func topic(for frame: UnsafeRawBufferPointer) throws(DecodeError) -> (Topic, Bool) {
        for entry in known where entry.topic.matches(frame) { return (entry.topic, entry.isProbe) }
        let topic = try Topic(frame: frame)
        let isProbe = topic.frame.starts(with: BusClientHandler.probePrefix)
        if known.count < BusClientHandler.maxKnownTopics { known.append(KnownTopic(topic: topic, isProbe: isProbe)) }
        return (topic, isProbe)
    }

    /// Remembers a subscribed topic (the oldest is forgotten past ``BusClientHandler/maxKnownTopics``).
    mutating func remember(_ topic: Topic) {
        if known.contains(where: { $0.topic == topic }) { return }
        let isProbe = topic.frame.starts(with: BusClientHandler.probePrefix)
        if known.count >= BusClientHandler.maxKnownTopics { known.removeFirst() }
        known.append(KnownTopic(topic: topic, isProbe: isProbe))
    }
}

/// The last sequence number a client sent on a topic.
struct TopicSequence {
    var topic: Topic
    var last: UInt64
}

/// Last sequence number sent per topic. A short array searched from the most recent entry: a process publishes on
/// a handful of topics, and `Topic ==` first compares the frame buffers' identity.
struct TopicSequences {
    private var entries: [TopicSequence] = []
    private var lastIndex = 0

    /// The next sequence number for `topic` (1 for its first message), recorded as sent.
    mutating func next(for topic: Topic) -> UInt64 {
        if lastIndex < entries.count && entries[lastIndex].topic == topic {
            entries[lastIndex].last &+= 1
            return entries[lastIndex].last
        }
        if let index = entries.firstIndex(where: { $0.topic == topic }) {
            lastIndex = index
            entries[index].last &+= 1
            return entries[index].last
        }
        entries.append(TopicSequence(topic: topic, last: 1))
        lastIndex = entries.count - 1
        return 1
    }
}
