import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

@Suite("Bus delivery: integrity, joining, drops", .dedicatedThread)
struct BusDeliveryTests {
    static let topic = Topic("test.data")

    /// The payload of message `index` with `size` bytes: its index, then a pattern derived from it.
    static func payload(index: Int, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &* 7) }
    }

    @Test("many messages of 0 to 64 KiB arrive whole, in order, with consecutive sequence numbers")
    func manyMessages_arriveIntact() async throws {
        let mock = try MockBus()
        let publisher = try await mock.makeClient(as: .newBoot(service: .net))
        let subscriber = try await mock.makeClient(as: .newBoot(service: .sync))
        subscriber.subscribe(Self.topic)
        try await mock.waitForSubscription(Self.topic)
        var generator = SplitMix64(seed: 7)
        let edges = [0, 1, 35, 36, 37, 100, 255, 256, 8191, 8192, 65_535, 65_536]
        let sizes = edges + (0..<300).map { _ in Int(generator.next() % 65_537) }
        for (index, size) in sizes.enumerated() {
            publisher.publish(Self.topic, payload: Self.payload(index: index, size: size), requestID: UInt64(index))
        }
        let received = try await withHangGuard {
            var iterator = subscriber.messages.makeAsyncIterator()
            var received: [BusMessage] = []
            while received.count < sizes.count, let message = await iterator.next() { received.append(message) }
            return received
        }
        #expect(received.count == sizes.count)
        for (index, message) in received.enumerated() {
            #expect(message.envelope.requestID == UInt64(index))
            #expect(message.envelope.sequence == UInt64(index + 1))
            #expect(message.payload == Self.payload(index: index, size: sizes[index]), "message \(index)")
        }
        #expect(subscriber.statistics.dropped == 0)
        #expect(subscriber.statistics.malformed == 0)
        // The recorder saw the same stream.
        #expect(mock.recorded.filter { $0.topic == Self.topic }.count == sizes.count)
        publisher.stop()
        subscriber.stop()
    }

    @Test("a message published right after the subscription is confirmed is never lost to the slow joiner")
    func publishAfterConfirmedSubscription_isDelivered() async throws {
        for round in 0..<20 {
            let mock = try MockBus()
            let client = try BusClient(
                endpoints: mock.endpoints,
                sender: .newBoot(service: .net),
                context: mock.context
            )
            client.subscribe(.p2pOut)
            try await mock.waitForSubscription(.p2pOut)
            mock.publish(.p2pOut, P2POut(messageType: 0x22, target: .all, payload: [UInt8(round)]))
            let message = try await withHangGuard {
                var iterator = client.messages.makeAsyncIterator()
                return try #require(await iterator.next())
            }
            #expect(try message.decode(P2POut.self).payload == [UInt8(round)])
            client.stop()
            await client.stopped()
        }
    }

    @Test("a client's first message after joining reaches the recorder")
    func firstMessageAfterJoin_isRecorded() async throws {
        for height in 0..<20 {
            let mock = try MockBus()
            let client = try BusClient(
                endpoints: mock.endpoints,
                sender: .newBoot(service: .sync),
                context: mock.context
            )
            try await client.joined()
            let sent = ChainTip(height: UInt32(height), hash: .zero, parentHash: .zero, certificateHash: .zero)
            client.publish(.chainTip, sent)
            let (message, tip) = try await mock.next(ChainTip.self, topic: .chainTip)
            #expect(tip.height == UInt32(height))
            #expect(message.envelope.sequence == 1)
            client.stop()
        }
    }

    @Test("joining fails with a clear error when no forwarder runs")
    func joined_withoutForwarder_throwsNotJoined() async throws {
        let directory = try TemporaryDirectory()
        let endpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        let client = try BusClient(endpoints: endpoints, sender: .newBoot(service: .gossip), context: ZMQContext.make())
        let error = await #expect(throws: BusError.self) { try await client.joined(timeout: .milliseconds(200)) }
        #expect(error?.description.contains(endpoints.publish) == true)
        client.stop()
        await client.stopped()
    }

    @Test("messages dropped past a tiny high-water mark while the subscriber stalls are counted from sequence gaps")
    func stalledSubscriber_dropsAreCounted() async throws {
        let directory = try TemporaryDirectory()
        let endpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        let forwarder = try BusForwarder(
            endpoints: endpoints,
            configuration: .init(highWaterMark: 10)
        )
        let tiny = BusClientConfiguration(highWaterMark: 10, receiveBufferLimit: 10)
        let publisher = try BusClient(
            endpoints: endpoints,
            sender: .newBoot(service: .net),
            context: ZMQContext.make(),
            configuration: tiny
        )
        let subscriber = try BusClient(
            endpoints: endpoints,
            sender: .newBoot(service: .sync),
            context: ZMQContext.make(),
            configuration: tiny
        )
        subscriber.subscribe(Self.topic)
        try await subscriber.joined()
        try await publisher.joined()

        // The subscriber's consumer does not read while the burst is published: its loop stops at 10 undelivered
        // messages, libzmq queues up to the high-water marks, the rest is dropped.
        let burst = 50_000
        var index = 0
        while index < burst {
            let run = (index..<min(burst, index + 1000)).map { i in
                OutgoingBusMessage(
                    topic: Self.topic,
                    payload: withUnsafeBytes(of: UInt32(i).littleEndian) { Array($0) }
                )
            }
            index += publisher.publish(contentsOf: run)
        }
        try await withHangGuard {
            while publisher.statistics.published < burst { try await Task.sleep(for: .milliseconds(1)) }
        }

        // Now read. A tail of later messages on the same topic makes the drops at the end of the burst visible.
        let tail = Task {
            var next = burst
            while !Task.isCancelled {
                publisher.publish(Self.topic, payload: withUnsafeBytes(of: UInt32(next).littleEndian) { Array($0) })
                next += 1
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        let sequences = try await withHangGuard {
            var iterator = subscriber.messages.makeAsyncIterator()
            var sequences: [UInt64] = []
            while let message = await iterator.next() {
                sequences.append(message.envelope.sequence)
                let value = message.payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                if Int(UInt32(littleEndian: value)) >= burst { break }
            }
            return sequences
        }
        tail.cancel()
        let first = try #require(sequences.first)
        let last = try #require(sequences.last)
        let dropped = subscriber.statistics.dropped
        #expect(dropped > 0)
        #expect(sequences == sequences.sorted())
        #expect(UInt64(sequences.count + dropped) == last - first + 1)
        #expect(subscriber.droppedBySender[publisher.sender] == UInt64(dropped))
        publisher.stop()
        subscriber.stop()
        forwarder.stop()
        await forwarder.stopped()
    }

    @Test("the gap counter counts jumps, treats a restart as a new start and keeps senders and topics apart")
    func gapCounter_rules() {
        var gaps = GapCounter()
        let a = SenderID(service: .net, replica: 0, bootID: 1)
        let b = SenderID(service: .net, replica: 1, bootID: 2)
        #expect(gaps.record(sender: a, topic: .chainTip, sequence: 1) == 0)
        #expect(gaps.record(sender: a, topic: .chainTip, sequence: 2) == 0)
        #expect(gaps.record(sender: b, topic: .chainTip, sequence: 10) == 0)
        #expect(gaps.record(sender: a, topic: .chainTip, sequence: 5) == 2)
        #expect(gaps.record(sender: a, topic: .p2pPeer, sequence: 1) == 0)
        #expect(gaps.record(sender: b, topic: .chainTip, sequence: 11) == 0)
        #expect(gaps.record(sender: a, topic: .chainTip, sequence: 1) == 0)  // restarted numbering
        #expect(gaps.record(sender: a, topic: .chainTip, sequence: 3) == 1)
        #expect(gaps.dropped == 3)
        #expect(gaps.droppedBySender == [a: 3])
    }
}
