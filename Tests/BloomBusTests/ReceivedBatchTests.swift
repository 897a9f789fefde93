@testable import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

@Suite("Received messages read in place from libzmq's frames")
struct ReceivedBatchTests {
    static let topics = [Topic("test.alpha"), Topic("test.beta"), Topic("test.gamma")]
    static let sender = SenderID(service: .net, replica: 3, bootID: 0x00_1234)

    /// Payload of message `index`: its length varies (empty, inline-sized and heap-sized frames alike).
    static func payload(_ index: Int) -> [UInt8] {
        (0..<(index * 37 % 300)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
    }

    /// A body frame as the loop thread holds it after a receive: envelope ‖ payload in a `zmq_msg_t`.
    static func bodyFrame(_ envelope: Envelope, _ payload: [UInt8], into message: ZMQMessageBuffer) {
        let body = message.reset(size: Envelope.size + payload.count)
        envelope.write(to: body)
        payload.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress, let target = body.baseAddress {
                (target + Envelope.size).copyMemory(from: source, byteCount: bytes.count)
            }
        }
    }

    @Test("a batch that grows past its first capacity keeps every message's topic, envelope and payload")
    func batch_growing_keepsEveryMessage() throws {
        let batch = ReceivedBatch(expected: 4)
        let frame = ZMQMessageBuffer()
        let count = 200
        for index in 0..<count {
            let envelope = Envelope(sender: Self.sender, sequence: UInt64(index + 1), requestID: UInt64(index))
            Self.bodyFrame(envelope, Self.payload(index), into: frame)
            let topic = Self.topics[index % Self.topics.count]
            #expect(batch.append(body: frame.pointer, envelope: envelope, topic: topic, payloadOffset: Envelope.size)
                == index)
            // The frame was moved out: the receive buffer is empty again.
            #expect(frame.bytes.count == 0)
        }
        // Three distinct topics, retained once each.
        #expect(batch.topics.count == Self.topics.count)
        let messages = (0..<count).map { BusMessage(batch: batch, index: $0) }
        for (index, message) in messages.enumerated() {
            #expect(message.topic == Self.topics[index % Self.topics.count])
            #expect(message.envelope.sequence == UInt64(index + 1))
            #expect(message.envelope.requestID == UInt64(index))
            #expect(message.payload == Self.payload(index))
            #expect(message.withPayloadBytes { Array($0) } == Self.payload(index))
            let frames = message.frames()
            #expect(frames[0] == Self.topics[index % Self.topics.count].frame)
            #expect(Array(frames[1].dropFirst(Envelope.size)) == Self.payload(index))
        }
    }

    @Test("a message kept after its batch's array is gone still reads its frame; changing a part copies it out")
    func message_outlivingItsArray_andChanged() throws {
        var kept: BusMessage?
        do {
            let batch = ReceivedBatch(expected: 2)
            let frame = ZMQMessageBuffer()
            for index in 0..<5 {
                let envelope = Envelope(sender: Self.sender, sequence: UInt64(index + 1))
                Self.bodyFrame(envelope, Self.payload(index + 3), into: frame)
                _ = batch.append(
                    body: frame.pointer,
                    envelope: envelope,
                    topic: Self.topics[0],
                    payloadOffset: Envelope.size
                )
            }
            let messages = (0..<5).map { BusMessage(batch: batch, index: $0) }
            kept = messages[4]
        }
        var message = try #require(kept)
        #expect(message.payload == Self.payload(7))
        message.payload = [1, 2, 3]
        #expect(message.payload == [1, 2, 3])
        #expect(message.topic == Self.topics[0])
        #expect(message.envelope.sequence == 5)
        message.topic = Self.topics[1]
        #expect(message.topic == Self.topics[1])
        #expect(message.payload == [1, 2, 3])
    }

    @Test("through the forwarder: small, empty and 1 MiB payloads on two topics decode in place, in order")
    func forwarder_mixedPayloads_decodeInPlace() async throws {
        let mock = try MockBus()
        let publisher = try await mock.makeClient(as: .newBoot(service: .net))
        let subscriber = try await mock.makeClient(as: .newBoot(service: .sync))
        for topic in Self.topics.prefix(2) {
            subscriber.subscribe(topic)
            try await mock.waitForSubscription(topic)
        }
        let large = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let sent: [(Topic, [UInt8])] = (0..<150).map { index in
            (Self.topics[index % 2], index == 75 ? large : Self.payload(index))
        }
        for (topic, payload) in sent { publisher.publish(topic, payload: payload) }
        let received = try await withHangGuard {
            var iterator = subscriber.messages.makeAsyncIterator()
            var received: [BusMessage] = []
            while received.count < sent.count, let batch = await iterator.nextBatch() { received += batch }
            return received
        }
        #expect(received.count == sent.count)
        for (message, expected) in zip(received, sent) {
            #expect(message.topic == expected.0)
            #expect(message.withPayloadBytes { $0.elementsEqual(expected.1) })
        }
        #expect(subscriber.statistics.dropped == 0)
        publisher.stop()
        subscriber.stop()
    }
}
