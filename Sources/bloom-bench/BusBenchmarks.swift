import BloomBus
import CZeroMQ
import Dispatch
import Foundation

// 100-byte payloads publisher → forwarder → subscriber over ipc. `bus_msgs_per_s` goes through BloomBus (BusClient
// → BusForwarder → BusClient); `bus_raw_msgs_per_s` is the same path written against the C API in the same run
// (PUB → zmq_proxy_steerable XSUB/XPUB → SUB, two frames, the same 136-byte body: envelope + payload);
// `bus_ratio` = bus / raw; `bus_onehop_msgs_per_s` is PUB → SUB with no forwarder, on the C API. High-water marks
// are unlimited in every variant so that each run delivers every message and the figure is the end-to-end rate.
let busBenchmarks: [Benchmark] = [
    Benchmark(names: ["bus_msgs_per_s", "bus_raw_msgs_per_s", "bus_ratio", "bus_onehop_msgs_per_s"]) { quick in
        let count = quick ? 100_000 : 1_000_000
        let rounds = quick ? 1 : 3
        var bus = 0.0
        var raw = 0.0
        var onehop = 0.0
        for _ in 0..<rounds {
            raw = max(raw, try RawBusBench.throughHub(count: count))
            bus = max(bus, try BloomBusBench.run(count: count))
            onehop = max(onehop, try RawBusBench.oneHop(count: count))
        }
        return [
            Figure(name: "bus_msgs_per_s", value: bus, unit: "msg/s"),
            Figure(name: "bus_raw_msgs_per_s", value: raw, unit: "msg/s"),
            Figure(name: "bus_ratio", value: bus / raw, unit: "ratio"),
            Figure(name: "bus_onehop_msgs_per_s", value: onehop, unit: "msg/s"),
        ]
    }
]

private let benchPayloadSize = 100
private let benchTopic = Topic("bench.data")

/// A short private directory for the ipc sockets of one run.
private final class BenchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/bloom-bench-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let path = mkdtemp(base) else { return nil }
            return String(cString: path)
        }
        guard let made else { throw BenchError("mkdtemp failed") }
        path = made
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` on a new task and blocks this (non-pool) thread until it finishes.
private func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    Task {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    guard let result else { throw BenchError("task ended without a result") }
    return try result.get()
}

private enum BloomBusBench {
    static func run(count: Int) throws -> Double {
        let directory = try BenchDirectory()
        let endpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        // One context per component, as the node's processes each have their own.
        let forwarder = try BusForwarder(endpoints: endpoints, configuration: .init(highWaterMark: 0))
        let configuration = BusClientConfiguration(highWaterMark: 0, maxQueuedPublishes: count + 1)
        let publisher = try BusClient(
            endpoints: endpoints,
            sender: .newBoot(service: .test, replica: 1),
            context: try ZMQContext.make(),
            configuration: configuration
        )
        let subscriber = try BusClient(
            endpoints: endpoints,
            sender: .newBoot(service: .test, replica: 2),
            context: try ZMQContext.make(),
            configuration: configuration
        )
        defer {
            publisher.stopAndWait()
            subscriber.stopAndWait()
            forwarder.stopAndWait()
        }
        subscriber.subscribe(benchTopic)
        try blockingAwait {
            try await subscriber.joined()
            try await publisher.joined()
        }
        let payload = [UInt8](repeating: 0x5A, count: benchPayloadSize)
        let done = DispatchSemaphore(value: 0)
        let messages = subscriber.messages
        Task {
            var iterator = messages.makeAsyncIterator()
            var received = 0
            while received < count, let batch = await iterator.nextBatch() {
                received += batch.count
            }
            done.signal()
        }
        // Published in runs of 64 (one lock and at most one wake-up of the loop thread per run), as a service
        // publishing a burst would.
        let run = [OutgoingBusMessage](repeating: OutgoingBusMessage(topic: benchTopic, payload: payload), count: 64)
        let start = now()
        var sent = 0
        while sent < count {
            let n = min(run.count, count - sent)
            sent += publisher.publish(contentsOf: run.prefix(n))
        }
        // A lost message would otherwise wait forever; the limit only catches that, it is not part of the figure.
        if done.wait(timeout: .now() + 300) == .timedOut { throw BenchError("bus benchmark: messages missing") }
        let elapsed = now() - start
        if subscriber.statistics.dropped != 0 { throw BenchError("bus benchmark lost messages") }
        return Double(count) / elapsed
    }
}

/// Raw pointers handed to the threads of one run (each used by one thread at a time).
private struct RawHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

private enum RawBusBench {
    static let body = [UInt8](repeating: 0x5A, count: Envelope.size + benchPayloadSize)

    static func socket(_ context: UnsafeMutableRawPointer, _ type: Int32) throws -> UnsafeMutableRawPointer {
        guard let socket = zmq_socket(context, type) else { throw BenchError("zmq_socket failed") }
        var zero: Int32 = 0
        zmq_setsockopt(socket, ZMQ_LINGER, &zero, 4)
        zmq_setsockopt(socket, ZMQ_SNDHWM, &zero, 4)
        zmq_setsockopt(socket, ZMQ_RCVHWM, &zero, 4)
        return socket
    }

    static func check(_ result: Int32, _ what: String) throws {
        if result != 0 { throw BenchError("\(what): \(String(cString: zmq_strerror(zmq_errno())))") }
    }

    /// PUB → XSUB/XPUB proxy → SUB.
    static func throughHub(count: Int) throws -> Double {
        let directory = try BenchDirectory()
        // One context for the proxy, one per client, as in the BloomBus variant.
        guard let context = zmq_ctx_new(), let pubContext = zmq_ctx_new(), let subContext = zmq_ctx_new() else {
            throw BenchError("zmq_ctx_new failed")
        }
        defer {
            zmq_ctx_term(pubContext)
            zmq_ctx_term(subContext)
            zmq_ctx_term(context)
        }
        let xsub = try socket(context, ZMQ_XSUB)
        let xpub = try socket(context, ZMQ_XPUB)
        let control = try socket(context, ZMQ_PAIR)
        let controlPeer = try socket(context, ZMQ_PAIR)
        try check(zmq_bind(xsub, "ipc://\(directory.path)/bus.pub"), "bind xsub")
        try check(zmq_bind(xpub, "ipc://\(directory.path)/bus.sub"), "bind xpub")
        try check(zmq_bind(controlPeer, "inproc://bench-control"), "bind control")
        try check(zmq_connect(control, "inproc://bench-control"), "connect control")
        let proxyDone = DispatchSemaphore(value: 0)
        let handles = (RawHandle(pointer: xsub), RawHandle(pointer: xpub), RawHandle(pointer: control))
        let proxy = Thread {
            zmq_proxy_steerable(handles.0.pointer, handles.1.pointer, nil, handles.2.pointer)
            zmq_close(handles.0.pointer)
            zmq_close(handles.1.pointer)
            zmq_close(handles.2.pointer)
            proxyDone.signal()
        }
        proxy.start()
        defer {
            _ = "TERMINATE".withCString { zmq_send(controlPeer, $0, 9, 0) }
            proxyDone.wait()
            zmq_close(controlPeer)
        }
        let pub = try socket(pubContext, ZMQ_PUB)
        let sub = try socket(subContext, ZMQ_SUB)
        defer {
            zmq_close(pub)
            zmq_close(sub)
        }
        try check(zmq_connect(pub, "ipc://\(directory.path)/bus.pub"), "connect pub")
        try check(zmq_connect(sub, "ipc://\(directory.path)/bus.sub"), "connect sub")
        return try measure(pub: pub, sub: sub, count: count)
    }

    /// PUB bound, SUB connected, nothing between.
    static func oneHop(count: Int) throws -> Double {
        let directory = try BenchDirectory()
        guard let pubContext = zmq_ctx_new(), let subContext = zmq_ctx_new() else {
            throw BenchError("zmq_ctx_new failed")
        }
        defer {
            zmq_ctx_term(pubContext)
            zmq_ctx_term(subContext)
        }
        let pub = try socket(pubContext, ZMQ_PUB)
        let sub = try socket(subContext, ZMQ_SUB)
        defer {
            zmq_close(pub)
            zmq_close(sub)
        }
        try check(zmq_bind(pub, "ipc://\(directory.path)/onehop"), "bind pub")
        try check(zmq_connect(sub, "ipc://\(directory.path)/onehop"), "connect sub")
        return try measure(pub: pub, sub: sub, count: count)
    }

    /// Subscribes, waits out the slow joiner with probes, then times `count` two-frame messages end to end.
    static func measure(pub: UnsafeMutableRawPointer, sub: UnsafeMutableRawPointer, count: Int) throws -> Double {
        let topic = benchTopic.frame
        let probeTopic = Array("bench.probe\0".utf8)
        try check(topic.withUnsafeBytes { zmq_setsockopt(sub, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) }, "subscribe")
        try check(
            probeTopic.withUnsafeBytes { zmq_setsockopt(sub, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) },
            "subscribe"
        )
        var item = zmq_pollitem_t(socket: sub, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
        var joined = false
        let probeBody: [UInt8] = [0]
        for _ in 0..<2000 where !joined {
            sendTwo(pub, probeTopic, probeBody)
            if zmq_poll(&item, 1, 5) > 0 { joined = true }
        }
        if !joined { throw BenchError("raw subscriber never joined") }
        // Drain the probes.
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while zmq_msg_recv(&message, sub, ZMQ_DONTWAIT) >= 0 {}

        // A lost message would otherwise block the receiver forever; the limit only catches that.
        var timeout: Int32 = 300_000
        zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, 4)
        let subHandle = RawHandle(pointer: sub)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var complete = false
        let receiver = Thread {
            var frame = zmq_msg_t()
            zmq_msg_init(&frame)
            var received = 0
            while received < count {
                if zmq_msg_recv(&frame, subHandle.pointer, 0) < 0 { break }
                // Late join probes have a one-byte body; only data bodies count.
                if zmq_msg_more(&frame) == 0 && zmq_msg_size(&frame) == body.count { received += 1 }
            }
            zmq_msg_close(&frame)
            complete = received == count
            done.signal()
        }
        let start = now()
        receiver.start()
        for _ in 0..<count { sendTwo(pub, topic, body) }
        done.wait()
        let elapsed = now() - start
        if !complete { throw BenchError("raw benchmark: messages missing") }
        return Double(count) / elapsed
    }

    static func sendTwo(_ pub: UnsafeMutableRawPointer, _ topic: [UInt8], _ body: [UInt8]) {
        topic.withUnsafeBytes { _ = zmq_send(pub, $0.baseAddress, $0.count, ZMQ_SNDMORE) }
        body.withUnsafeBytes { _ = zmq_send(pub, $0.baseAddress, $0.count, 0) }
    }
}
