import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

@Suite("Flow control between the loop thread and the consumer")
struct FlowControlTests {
    static let topic = Topic("test.flow")

    @Test("a consumer slower than the buffer limit still gets every message once it reads (loop pauses, then resumes)")
    func slowConsumer_getsEverything_whenNothingOverflows() async throws {
        let mock = try MockBus()
        // Small receive buffer, large high-water mark: the loop must pause and resume, libzmq holds the rest.
        let client = try await mock.makeClient(
            as: .newBoot(service: .sync),
            configuration: BusClientConfiguration(highWaterMark: 100_000, receiveBufferLimit: 4)
        )
        client.subscribe(Self.topic)
        try await mock.waitForSubscription(Self.topic)
        let count = 2_000
        for index in 0..<count { mock.publish(Self.topic, payload: [UInt8(truncatingIfNeeded: index)]) }
        let received = try await withHangGuard {
            var iterator = client.messages.makeAsyncIterator()
            var received = 0
            while received < count, let message = await iterator.next() {
                #expect(message.payload == [UInt8(truncatingIfNeeded: received)])
                received += 1
                if received % 100 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
            return received
        }
        #expect(received == count)
        #expect(client.statistics.dropped == 0)
        client.stop()
    }

    @Test("nextBatch hands out what is buffered, including the rest of a batch begun with next")
    func nextBatch_returnsBufferedMessages() async throws {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: .newBoot(service: .gossip))
        client.subscribe(Self.topic)
        try await mock.waitForSubscription(Self.topic)
        let count = 500
        for index in 0..<count { mock.publish(Self.topic, payload: withUnsafeBytes(of: UInt16(index)) { Array($0) }) }
        let sequences = try await withHangGuard {
            var iterator = client.messages.makeAsyncIterator()
            var sequences: [UInt64] = []
            if let first = await iterator.next() { sequences.append(first.envelope.sequence) }
            while sequences.count < count, let batch = await iterator.nextBatch() {
                #expect(!batch.isEmpty)
                sequences += batch.map(\.envelope.sequence)
            }
            return sequences
        }
        #expect(sequences == (1...UInt64(count)).map { $0 })
        client.stop()
    }

    @Test("a custom SocketLoop handler can stop reading a socket and resume after wake()")
    func customHandler_pauseAndResume() async throws {
        // inproc: a PUSH send to a bound PULL of the same context is in the PULL's pipe when `send` returns, so
        // the messages below are readable before the loop's next poll, not merely on their way.
        let endpoint = "inproc://gate-" + UUID().uuidString
        let context = try ZMQContext.make()
        let pull = try context.makeSocket(.pull)
        try pull.bind(endpoint)
        let push = try context.makeSocket(.push)
        try push.connect(endpoint)
        let handler = GateHandler()
        let loop = try SocketLoop(sockets: [pull], handler: handler, configuration: .init(name: "test.gate"))
        for index in 0..<10 { try push.send([[UInt8(index)]]) }
        let received = try await withHangGuard {
            // Closed gate: two wake-ups make the loop run a whole iteration (poll set built, poll, wake handled)
            // that began after the messages were readable. A loop that polled the socket anyway would read them.
            for wakes in 1...2 {
                loop.wake()
                while handler.wakes.withLock({ $0 }) < wakes { try await Task.sleep(for: .milliseconds(1)) }
            }
            let before = handler.received.withLock { $0 }
            handler.open.withLock { $0 = true }
            loop.wake()
            while handler.received.withLock({ $0.count }) < 10 { try await Task.sleep(for: .milliseconds(1)) }
            return (before, handler.received.withLock { $0 })
        }
        #expect(received.0.isEmpty)
        #expect(received.1 == (0..<10).map { UInt8($0) })
        loop.stop()
        #expect(await loop.stopped() == nil)
        #expect(handler.finished.withLock { $0 })
    }
}

/// Reads its one socket only while `open`; records the first byte of each message.
final class GateHandler: SocketLoopHandler, Sendable {
    let open = Locked(false)
    let received = Locked<[UInt8]>([])
    let finished = Locked(false)
    /// Wake-ups the loop has handled.
    let wakes = Locked(0)

    func woke() {
        wakes.withLock { $0 += 1 }
    }

    func pollEvents(forSocket index: Int) -> ZMQPollEvents {
        open.withLock { $0 } ? .readable : []
    }

    func socketReady(_ index: Int, events: ZMQPollEvents, socket: ZMQSocket) {
        while let frames = try? socket.receive(nonBlocking: true) {
            received.withLock { $0.append(frames.first?.first ?? 0xFF) }
        }
    }

    func perform(_ command: Never, sockets: [ZMQSocket]) {}

    func loopFinished(error: ZMQError?) {
        finished.withLock { $0 = true }
    }
}
