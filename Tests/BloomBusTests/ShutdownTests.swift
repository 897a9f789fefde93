import BloomBus
import BloomTestSupport
import Foundation
import Testing

/// Every test here only detects hangs: the guard's limit is generous and nothing asserts on speed.
@Suite("Clean shutdown")
struct ShutdownTests {
    @Test("a bus client stopped with thousands of queued publishes and unread messages ends, and its stream finishes")
    func client_stopWithPendingWork_ends() async throws {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: .newBoot(service: .net))
        client.subscribe(.chainTip)
        try await mock.waitForSubscription(.chainTip)
        for height in 0..<2_000 {
            let tip = ChainTip(height: UInt32(height), hash: .zero, parentHash: .zero, certificateHash: .zero)
            mock.publish(.chainTip, tip)
        }
        for _ in 0..<20_000 { client.publish(.p2pOut, payload: [UInt8](repeating: 1, count: 100)) }
        try await withHangGuard {
            client.stop()
            #expect(await client.stopped() == nil)
            var iterator = client.messages.makeAsyncIterator()
            while await iterator.next() != nil {}
        }
        #expect(!client.publish(.p2pOut, payload: []))
    }

    @Test("a forwarder stopped while clients publish through it ends; the clients then stop too")
    func forwarder_stopUnderTraffic_ends() async throws {
        let directory = try TemporaryDirectory()
        let endpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        let context = try ZMQContext.make()
        let forwarder = try BusForwarder(endpoints: endpoints)
        let publisher = try BusClient(endpoints: endpoints, sender: .newBoot(service: .net), context: context)
        let subscriber = try BusClient(endpoints: endpoints, sender: .newBoot(service: .sync), context: context)
        subscriber.subscribe(.p2pOut)
        try await subscriber.joined()
        for _ in 0..<10_000 { publisher.publish(.p2pOut, payload: [UInt8](repeating: 2, count: 100)) }
        try await withHangGuard {
            forwarder.stop()
            await forwarder.stopped()
            publisher.stop()
            subscriber.stop()
            await publisher.stopped()
            await subscriber.stopped()
        }
        // The ipc socket files are gone with the forwarder.
        #expect(!FileManager.default.fileExists(atPath: directory.appending("run/bus.pub")))
    }

    @Test("terminating a context whose socket still holds undeliverable messages does not wait for them")
    func context_terminationWithUndeliveredMessages_doesNotHang() async throws {
        let directory = try TemporaryDirectory()
        let endpoint = "ipc://" + directory.appending("nobody")
        let contextGone = try await withHangGuard {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                // On its own thread: zmq_ctx_term blocks that thread, never the cooperative pool.
                Thread {
                    do {
                        // The socket and the context are released when this call returns: zmq_close, then
                        // zmq_ctx_term, which a socket with undeliverable messages and a non-zero linger would block.
                        let context = try Self.queueUndeliverableMessages(to: endpoint)
                        continuation.resume(returning: context.value == nil)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }.start()
            }
        }
        #expect(contextGone, "the context was not released, so zmq_ctx_term never ran")
    }

    /// Connects a PUSH socket to an endpoint nobody binds and queues messages on it; returns a weak reference to
    /// the context, which is terminated once the socket and context go out of scope here.
    private static func queueUndeliverableMessages(to endpoint: String) throws -> WeakContext {
        let context = try ZMQContext.make()
        let push = try context.makeSocket(.push)
        try push.connect(endpoint)  // nobody binds: every message stays queued
        for _ in 0..<500 { _ = try push.send([[UInt8](repeating: 3, count: 100)], nonBlocking: true) }
        return WeakContext(value: context)
    }

    private struct WeakContext: @unchecked Sendable {
        weak var value: ZMQContext?
    }

    @Test("shutting a context down wakes a blocked receive with ETERM")
    func context_shutdown_wakesBlockedReceive() async throws {
        let context = try ZMQContext.make()
        let pull = try context.makeSocket(.pull)
        try pull.bind("inproc://shutdown-\(UUID().uuidString)")
        let code = try await withHangGuard {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<ZMQError.Code?, any Error>) in
                Thread {
                    do {
                        _ = try pull.receive()
                        continuation.resume(returning: nil)
                    } catch let error as ZMQError {
                        continuation.resume(returning: error.code)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }.start()
                context.shutdown()
            }
        }
        #expect(code == .terminated)
    }

    @Test("a mock bus stopped with a pending wait fails that wait with stopped")
    func mock_stop_failsPendingWaits() async throws {
        let mock = try MockBus()
        let waiting = Task { try await mock.next(topic: .chainTip, timeout: .seconds(60)) }
        // Only once the wait is registered does stopping test what this test is about.
        try await withHangGuard {
            while mock.pendingWaits == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
        await mock.stop()
        await #expect(throws: MockBusError.stopped) { _ = try await waiting.value }
        await #expect(throws: MockBusError.stopped) { _ = try await mock.next(topic: .chainTip) }
    }

    @Test("waiting for a topic nobody publishes times out with the topic's name")
    func mock_next_timesOut() async throws {
        let mock = try MockBus()
        await #expect(throws: MockBusError.timedOut(topic: "chain.tip", waited: .milliseconds(50))) {
            _ = try await mock.next(topic: .chainTip, timeout: .milliseconds(50))
        }
    }
}

@Suite("Mock bus waits")
struct MockBusWaitTests {
    @Test("next with a predicate skips non-matching messages and leaves them for later")
    func next_withPredicate_skipsAndKeeps() async throws {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: .newBoot(service: .sync))
        for state in [ServiceState.starting, .ready] {
            client.publish(
                .serviceHeartbeat,
                Heartbeat(service: "bloom-sync", replica: 0, pid: 1, bootID: 1, state: state)
            )
        }
        let ready = try await mock.next(topic: .serviceHeartbeat) { message in
            (try? message.decode(Heartbeat.self).state) == .ready
        }
        #expect(try ready.decode(Heartbeat.self).state == .ready)
        let skipped = try await mock.next(topic: .serviceHeartbeat)
        #expect(try skipped.decode(Heartbeat.self).state == .starting)
        client.stop()
    }
}
