import BloomBus
import BloomNet
import BloomWire
import Foundation
import Logging
import NIOPosix

// bloom-net through one replica, on loopback, with plain blocking sockets playing the peers:
// - `relay_in_frames_per_s`: 230-byte TX frames written by a peer until a subscriber on the bus (the role of
//   bloom-sync) has received them all as `p2p.in.TX` (framing, handshake state, classification, limits, bridge,
//   BusClient → forwarder → BusClient over ipc); `relay_out_frames_per_s`: `p2p.out` messages published on the bus
//   until the peer has read every frame; `relay_frames_per_s` = both directions, total frames / total time.
// - `net_peers_held`: idle handshaken peers held at once; `net_kb_per_peer`: the process's resident memory growth
//   per peer (both socket ends live in this process, so this over-counts the kernel's share); full runs only.
let netBenchmarks: [Benchmark] = [
    Benchmark(names: ["relay_frames_per_s", "relay_in_frames_per_s", "relay_out_frames_per_s"]) { quick in
        try NetBench.relay(frames: quick ? 50_000 : 500_000)
    },
    Benchmark(names: ["net_peers_held", "net_kb_per_peer"]) { quick in
        // Memory per peer only from the full run's 1,000 peers, and in a fresh process: with --quick's 200 peers,
        // or after the other benchmarks, the growth hid in memory the allocator already held (0.04 KiB from 200
        // peers, 0.008 KiB from 1,000 after a full run, against 6.9 KiB alone), so those print no such figure.
        if ProcessInfo.processInfo.environment[NetBench.freshProcessVariable] != nil {
            let figures = try NetBench.held(peers: quick ? 200 : 1_000)
            return quick ? figures.filter { $0.name != "net_kb_per_peer" } : figures
        }
        return try NetBench.inFreshProcess(quick: quick)
    },
]

private enum NetBench {
    /// Counts delivered frames; the benchmark thread waits on it.
    final class CountingSink: NetEventSink, @unchecked Sendable {
        private let condition = NSCondition()
        private var delivered = 0
        private var busMessages = 0
        private var connected: [String: PeerID] = [:]

        func handle(_ event: NetEvent) {
            condition.lock()
            switch event {
            case .message: delivered += 1
            case .connected(let snapshot, _): connected[snapshot.address] = PeerID(hex: snapshot.id)
            default: break
            }
            condition.broadcast()
            condition.unlock()
        }

        func waitDelivered(_ count: Int) -> Bool {
            wait { $0.delivered >= count ? true : nil } ?? false
        }

        /// Messages received by the bus subscriber.
        func countBusMessages(_ count: Int) {
            condition.lock()
            busMessages += count
            condition.broadcast()
            condition.unlock()
        }

        func waitBusMessages(_ count: Int) -> Bool {
            wait { $0.busMessages >= count ? true : nil } ?? false
        }

        func waitConnected(_ address: String) -> PeerID? {
            wait { $0.connected[address] }
        }

        func waitConnectedCount(_ count: Int) -> Bool {
            wait { $0.connected.count >= count ? true : nil } ?? false
        }

        private func wait<T>(_ predicate: (CountingSink) -> T?) -> T? {
            let deadline = Date().addingTimeInterval(120)
            condition.lock()
            defer { condition.unlock() }
            while true {
                if let value = predicate(self) { return value }
                guard condition.wait(until: deadline) else { return predicate(self) }
            }
        }
    }

    static func makeNode(host: String, sink: NetEventSink) throws -> (NetNode, MultiThreadedEventLoopGroup, Int) {
        var configuration = NetConfiguration()
        configuration.bindHost = host
        configuration.port = 0
        configuration.maxInbound = 100_000
        configuration.maxSendQueueBytes = 256 * 1024 * 1024
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = Logger(label: "bloom-net.bench")
        logger.logLevel = .warning
        let node = NetNode(configuration: configuration, eventLoop: group.next(), sink: sink, logger: logger)
        return (node, group, try node.start().wait())
    }

    static func relay(frames count: Int) throws -> [Figure] {
        let directory = try NetBenchDirectory()
        let endpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        let forwarder = try BusForwarder(endpoints: endpoints, configuration: .init(highWaterMark: 0))
        // Unlimited high-water marks and queues: the figure is the end-to-end rate with every message delivered.
        let busConfiguration = BusClientConfiguration(highWaterMark: 0, maxQueuedPublishes: count + 1)
        let netBus = try BusClient(
            endpoints: endpoints,
            sender: SenderID(service: .net, replica: 0, bootID: 0x77),
            context: try ZMQContext.make(),
            configuration: busConfiguration
        )
        let syncBus = try BusClient(
            endpoints: endpoints,
            sender: SenderID(service: .sync, replica: 0, bootID: 0x78),
            context: try ZMQContext.make(),
            configuration: busConfiguration
        )
        let bridge = NetBusBridge(bus: netBus)
        bridge.subscribe()
        syncBus.subscribe(Topic.p2pIn("TX"))
        try blockingAwait {
            try await netBus.joined()
            try await syncBus.joined()
        }
        let sink = CountingSink()
        let (node, group, port) = try makeNode(host: "127.0.77.1", sink: bridge)
        let consumer = bridge.start(node: node)
        defer {
            consumer.cancel()
            try? node.shutdown().wait()
            try? group.syncShutdownGracefully()
            _ = netBus.stopAndWait()
            _ = syncBus.stopAndWait()
            _ = forwarder.stopAndWait()
        }
        let received = syncBus.messages
        Task {
            var iterator = received.makeAsyncIterator()
            while let batch = await iterator.nextBatch() {
                sink.countBusMessages(batch.count)
            }
        }

        let peer = try BenchSocket(from: "127.0.77.2", to: "127.0.77.1", port: port)
        try peer.handshake(listenPort: 9_777)
        let payload = [UInt8](repeating: 0x42, count: 230)
        let frame: [UInt8] =
            [MessageType.tx.rawValue, UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)] + payload
        let batch = Array([[UInt8]](repeating: frame, count: 256).joined())

        let inStart = now()
        var sent = 0
        while sent < count {
            let n = min(256, count - sent)
            try peer.write(n == 256 ? batch : Array(batch.prefix(n * frame.count)))
            sent += n
        }
        guard sink.waitBusMessages(count) else { throw BenchError("p2p.in messages lost") }
        let inTime = now() - inStart

        let reader = Thread { peer.drain(bytes: count * frame.count) }
        let out = P2POut(messageType: MessageType.tx.rawValue, target: .all, payload: payload).encoded()
        let run = [OutgoingBusMessage](repeating: OutgoingBusMessage(topic: .p2pOut, payload: out), count: 64)
        let outStart = now()
        reader.start()
        var published = 0
        while published < count {
            published += syncBus.publish(contentsOf: run.prefix(min(run.count, count - published)))
        }
        peer.waitDrained()
        let outTime = now() - outStart
        return [
            Figure(name: "relay_frames_per_s", value: Double(2 * count) / (inTime + outTime), unit: "frames/s"),
            Figure(name: "relay_in_frames_per_s", value: Double(count) / inTime, unit: "frames/s"),
            Figure(name: "relay_out_frames_per_s", value: Double(count) / outTime, unit: "frames/s"),
        ]
    }

    static func held(peers count: Int) throws -> [Figure] {
        let sink = CountingSink()
        let (node, group, port) = try makeNode(host: "127.0.78.1", sink: sink)
        defer {
            try? node.shutdown().wait()
            try? group.syncShutdownGracefully()
        }
        let before = residentBytes()
        var sockets: [BenchSocket] = []
        for i in 0..<count {
            let peer = try BenchSocket(from: "127.0.78.2", to: "127.0.78.1", port: port)
            try peer.handshake(listenPort: UInt32(10_000 + i))
            sockets.append(peer)
        }
        guard sink.waitConnectedCount(count) else { throw BenchError("not all peers connected") }
        let held = try node.peerSnapshots().wait().count
        let after = residentBytes()
        withExtendedLifetime(sockets) {}
        return [
            Figure(name: "net_peers_held", value: Double(held), unit: "peers"),
            Figure(name: "net_kb_per_peer", value: Double(after - before) / 1024 / Double(max(1, held)), unit: "KiB"),
        ]
    }

    /// Set in the child that `inFreshProcess` starts.
    static let freshProcessVariable = "BLOOM_BENCH_FRESH_PROCESS"

    /// Runs the held-peers benchmark alone in a new bloom-bench process and reads its figures back.
    static func inFreshProcess(quick: Bool) throws -> [Figure] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = (quick ? ["--quick"] : []) + ["--filter", "net_kb_per_peer"]
        child.environment = ProcessInfo.processInfo.environment.merging([freshProcessVariable: "1"]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        try child.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw BenchError("the fresh process for net_kb_per_peer exited with \(child.terminationStatus)")
        }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let value = Double(fields[1]) else { return nil }
            return Figure(name: String(fields[0]), value: value, unit: String(fields[2]))
        }
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// A blocking client socket for the benchmark's peers.
private final class BenchSocket: @unchecked Sendable {
    let fd: Int32
    private let done = DispatchSemaphore(value: 0)

    init(from: String, to host: String, port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket") }
        var local = Self.address(from, 0)
        var remote = Self.address(host, port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) {
            bind(fd, UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self), size)
        }
        let connected = withUnsafePointer(to: &remote) {
            connect(fd, UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self), size)
        }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw BenchError("bind/connect: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    static func address(_ host: String, _ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = inet_pton(AF_INET, host, &address.sin_addr)
        return address
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchError("write") }
            offset += n
        }
    }

    func read(exactly count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = bytes[offset...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchError("read") }
            offset += n
        }
        return bytes
    }

    /// Reads the node's VERSION, sends ours (services 7), reads the VERACK.
    func handshake(listenPort: UInt32) throws {
        let header = try read(exactly: 3)
        _ = try read(exactly: Int(header[1]) | Int(header[2]) << 8)
        let version = VersionMessage(height: 0, timestamp: 0, port: listenPort)
        let payload = PeerMessage.version(version).encodedPayload()
        try write([MessageType.version.rawValue, UInt8(payload.count), 0] + payload)
        _ = try read(exactly: 3)
    }

    /// Reads and discards `bytes` bytes, then signals ``waitDrained()``.
    func drain(bytes: Int) {
        var left = bytes
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while left > 0 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, min($0.count, left)) }
            if n <= 0 { break }
            left -= n
        }
        done.signal()
    }

    func waitDrained() { done.wait() }
}

/// A private directory for the bus's ipc sockets during one run.
private final class NetBenchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/bloom-netbench-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let path = mkdtemp(base) else { return nil }
            return String(cString: path)
        }
        guard let made else { throw BenchError("mkdtemp failed") }
        path = made
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` on a new task and blocks this (non-pool) thread until it finishes.
private func blockingAwait(_ body: @escaping @Sendable () async throws -> Void) throws {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    Task {
        do { try await body() } catch { failure = error }
        semaphore.signal()
    }
    semaphore.wait()
    if let failure { throw failure }
}
