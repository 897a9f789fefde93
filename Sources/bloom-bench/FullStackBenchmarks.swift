import BloomCore
import BloomSync
import BloomWire
import Foundation

/// Whole nodes (supervisor, bloom-net, bloom-sync, bloom-gossip) on loopback, as `Scripts/testnet` runs them.
/// Run from a release build: the binaries beside bloom-bench are the ones measured.
let fullStackBenchmarks: [Benchmark] = [
    Benchmark(names: ["propagation_ms_p50", "propagation_ms_p99"]) { quick in try FullStack.propagation(quick: quick) },
    Benchmark(names: FullStack.ibdFigureNames) { quick in try FullStack.ibd(quick: quick) },
    Benchmark(names: FullStack.services.map { "crash_to_ready_\($0)_ms_p50" }) { quick in
        try FullStack.crashToReady(quick: quick)
    },
    Benchmark(names: FullStack.services.flatMap { ["rss_\($0)_idle_mb", "rss_\($0)_100peers_mb"] }) { quick in
        try FullStack.rss(quick: quick)
    },
]

enum FullStack {
    static let services = ["bloom-net", "bloom-sync", "bloom-gossip"]

    /// 8 nodes in a ring with chords (i → i+1, i → i+3); node 0 mines. For each block: the time from its
    /// `chain.tip` on the miner's bus until the last of the 8 nodes publishes it.
    static func propagation(quick: Bool) throws -> [Figure] {
        let count = quick ? 10 : 100
        let root = try fullStackRoot()
        let nodes = try (0..<8).map { try FullStackNode(root: root, index: $0) }
        defer {
            for node in nodes { node.stop() }
            try? FileManager.default.removeItem(atPath: root)
        }
        for (index, node) in nodes.enumerated() {
            try node.start(
                connect: [nodes[(index + 1) % 8].endpoint, nodes[(index + 3) % 8].endpoint],
                mine: index == 0
            )
        }
        for node in nodes {
            try node.waitReady()
            try node.watchTips()
        }
        var samples: [Double] = []
        try waitUntil("\(count) blocks on every node", timeout: Double(count) * 20 + 60) {
            let mined = nodes[0].tipTimes.snapshot()
            samples = mined.compactMap { hash, start in
                var last = start
                for node in nodes.dropFirst() {
                    guard let seen = node.tipTimes.time(hash) else { return nil }
                    last = max(last, seen)
                }
                return (last - start) * 1000
            }
            return samples.count >= count
        }
        return [
            Figure(name: "propagation_ms_p50", value: percentile(samples, 50), unit: "ms"),
            Figure(name: "propagation_ms_p99", value: percentile(samples, 99), unit: "ms"),
        ]
    }

    /// The IBD figures: for one and for three serving nodes, the rate, then the CPU time per block of the
    /// downloading node (all its processes, and its bloom-sync alone) and of the serving nodes together.
    static let ibdFigureNames: [String] = ["1peer", "3peers"].flatMap { run in
        [
            "ibd_\(run)_blocks_per_s", "ibd_\(run)_downloader_cpu_us_per_block",
            "ibd_\(run)_downloader_sync_cpu_us_per_block", "ibd_\(run)_downloader_sync_wait_us_per_block",
            "ibd_\(run)_servers_cpu_us_per_block",
        ]
    }

    /// A fresh node syncing a fixture chain (10,000 blocks; 2,000 with --quick) from one and from three nodes
    /// whose stores were filled with `bloom-sync --load-blocks`. Blocks per second from the fresh node ready to the
    /// `chain.tip` at the chain's height on its bus (published once that block is committed), and the CPU time
    /// (utime + stime) every process of each side used meanwhile, per block: on a shared 2-core machine this says
    /// which side holds the rate, where the rate alone cannot.
    static func ibd(quick: Bool) throws -> [Figure] {
        let count = quick ? 2_000 : 10_000
        let root = try fullStackRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/chain.blocks"
        let blocks = SyncBenchmarkFixtures.chain(count: count).map { $0.serialized() }
        try Data(BlockFile.encode(blocks)).write(to: URL(fileURLWithPath: file))
        let seeded = root + "/seed"
        let load = Process()
        load.executableURL = URL(fileURLWithPath: FullStackNode.binaries + "/bloom-sync")
        load.arguments = ["--load-blocks", file, "--data-dir", seeded, "--batch", "256"]
        load.standardOutput = FileHandle.nullDevice
        try load.run()
        load.waitUntilExit()
        guard load.terminationStatus == 0 else { throw SyncBenchmarkFixtures.Failure("--load-blocks failed") }

        var figures: [Figure] = []
        for sources in [1, 3] {
            let runRoot = root + "/r\(sources)"
            try FileManager.default.createDirectory(atPath: runRoot, withIntermediateDirectories: true)
            var nodes: [FullStackNode] = []
            defer { for node in nodes { node.stop() } }
            for index in 0..<sources {
                let node = try FullStackNode(root: runRoot, index: index, addressBase: 30)
                try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: seeded + "/" + LoadBlocksCommand.storeFileName,
                    toPath: node.dataDirectory + "/" + LoadBlocksCommand.storeFileName
                )
                try node.start()
                nodes.append(node)
            }
            for node in nodes { try node.waitReady() }
            let servers = nodes
            let fresh = try FullStackNode(root: runRoot, index: sources, addressBase: 30)
            nodes.append(fresh)
            try fresh.start(connect: servers.map(\.endpoint))
            try fresh.waitReady()
            let start = now()
            let serverPids = servers.flatMap { $0.processIDs().values }
            let freshPids = fresh.processIDs()
            let serversBefore = CPUTime.total(serverPids)
            let freshBefore = CPUTime.total(Array(freshPids.values))
            let syncBefore = CPUTime.total(freshPids["bloom-sync"].map { [$0] } ?? [])
            let syncWaitBefore = freshPids["bloom-sync"].map(CPUTime.runQueueWait) ?? [:]
            // Subscribed within milliseconds; the download of the whole chain takes seconds.
            try fresh.watchTips()
            try waitUntil("fresh node at height \(count)", timeout: 600) { fresh.tipTimes.firstTime(atHeight: UInt32(count)) != nil }
            let end = fresh.tipTimes.firstTime(atHeight: UInt32(count)) ?? now()
            let syncWait = CPUTime.waited(from: syncWaitBefore, to: freshPids["bloom-sync"].map(CPUTime.runQueueWait) ?? [:])
            let perBlock = { (before: Double, after: Double) in (after - before) * 1e6 / Double(count) }
            let run = "ibd_\(sources)peer\(sources == 1 ? "" : "s")"
            figures += [
                Figure(name: "\(run)_blocks_per_s", value: Double(count) / (end - start), unit: "blocks/s"),
                Figure(
                    name: "\(run)_downloader_cpu_us_per_block",
                    value: perBlock(freshBefore, CPUTime.total(Array(freshPids.values))),
                    unit: "µs CPU a block, the downloading node's four processes"
                ),
                Figure(
                    name: "\(run)_downloader_sync_cpu_us_per_block",
                    value: perBlock(syncBefore, CPUTime.total(freshPids["bloom-sync"].map { [$0] } ?? [])),
                    unit: "µs CPU a block, the downloading node's bloom-sync"
                ),
                Figure(
                    name: "\(run)_downloader_sync_wait_us_per_block",
                    value: syncWait * 1e6 / Double(count),
                    unit: "µs a block the downloading bloom-sync's threads were runnable but waited for a CPU"
                ),
                Figure(
                    name: "\(run)_servers_cpu_us_per_block",
                    value: perBlock(serversBefore, CPUTime.total(serverPids)),
                    unit: "µs CPU a block, every process of the \(sources) serving node\(sources == 1 ? "" : "s")"
                ),
            ]
        }
        return figures
    }

    /// Two nodes, node 0 mining, node 1 following (blocks flowing). kill -9 of a service on node 1 until the
    /// supervisor reports its replacement ready; median of 5 kills per service (2 with --quick).
    static func crashToReady(quick: Bool) throws -> [Figure] {
        let rounds = quick ? 2 : 5
        let root = try fullStackRoot()
        let miner = try FullStackNode(root: root, index: 0, addressBase: 40)
        let node = try FullStackNode(root: root, index: 1, addressBase: 40)
        defer {
            node.stop()
            miner.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try miner.start(mine: true)
        try node.start(connect: [miner.endpoint])
        try miner.waitReady()
        try node.waitReady()
        try waitUntil("blocks flowing", timeout: 120) { (node.height() ?? 0) >= 2 }
        var figures: [Figure] = []
        for service in services {
            var samples: [Double] = []
            for _ in 0..<rounds {
                // Past stable_s (3 s) of readiness, so the back-off starts from its initial 100 ms every time.
                try waitUntil("\(service) stable", timeout: 60) {
                    (node.services().first { $0["name"]?.stringValue == service }?["uptime_s"]?.numberValue ?? 0) >= 3.5
                }
                guard let pid = node.pid(of: service) else { throw SyncBenchmarkFixtures.Failure("no \(service) pid") }
                let killed = now()
                kill(pid, SIGKILL)
                try waitUntil("\(service) replaced and ready", timeout: 60) {
                    guard let entry = node.services().first(where: { $0["name"]?.stringValue == service }),
                        let newPid = entry["pid"]?.numberValue, Int32(newPid) != pid
                    else { return false }
                    return entry["state"]?.stringValue == "ready"
                }
                samples.append((now() - killed) * 1000)
            }
            figures.append(Figure(name: "crash_to_ready_\(service)_ms_p50", value: percentile(samples, 50), unit: "ms"))
        }
        return figures
    }

    /// One node, not mining: each service's VmRSS idle, then with 100 peers connected (raw TCP peers from
    /// 127.0.1.1 … 127.0.1.100 that complete the handshake and stay).
    static func rss(quick: Bool) throws -> [Figure] {
        let root = try fullStackRoot()
        let node = try FullStackNode(root: root, index: 0, addressBase: 50)
        var sockets: [Int32] = []
        defer {
            for fd in sockets { close(fd) }
            node.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try node.start()
        try node.waitReady()
        usleep(3_000_000)  // settle: past the start-up heartbeats and the first gossip rounds
        var figures: [Figure] = []
        for service in services {
            guard let pid = node.pid(of: service), let mb = FullStackNode.rssMB(pid) else { continue }
            figures.append(Figure(name: "rss_\(service)_idle_mb", value: mb, unit: "MB"))
        }
        for index in 1...100 {
            sockets.append(try handshake(from: "127.0.1.\(index)", to: node.address, port: node.port))
        }
        try waitUntil("100 peers connected", timeout: 60) {
            (node.ask("peers")?["peers"]?.arrayValue?.count ?? 0) >= 100
        }
        usleep(3_000_000)
        for service in services {
            guard let pid = node.pid(of: service), let mb = FullStackNode.rssMB(pid) else { continue }
            figures.append(Figure(name: "rss_\(service)_100peers_mb", value: mb, unit: "MB"))
        }
        return figures
    }

    /// A TCP connection from `source` that completes the handshake (VERSION, the node's VERSION, VERACK) and then
    /// stops reading: the node's frames wait in the socket buffer. Returns the descriptor, kept open by the caller.
    static func handshake(from source: String, to host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SyncBenchmarkFixtures.Failure("socket: errno \(errno)") }
        var local = sockaddr_in.loopback(source, port: 0)
        var remote = sockaddr_in.loopback(host, port: port)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) }
        }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw SyncBenchmarkFixtures.Failure("connect from \(source): errno \(errno)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let encoder = FrameEncoder()
        let version = VersionMessage(
            height: 0,
            timestamp: UInt64(Date().timeIntervalSince1970),
            port: 1,
            services: [.blockServe, .bulkSync]
        )
        try sendAll(fd, encoder.frame(.version(version)))
        var decoder = FrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end = now() + 10
        while now() < end {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            if count < 0 { continue }
            try decoder.append(buffer[0..<count])
            while let frame = try decoder.next() {
                guard frame.type == .version else { continue }
                try sendAll(fd, encoder.frame(.verack))
                return fd
            }
        }
        close(fd)
        throw SyncBenchmarkFixtures.Failure("no VERSION from the node for \(source)")
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw SyncBenchmarkFixtures.Failure("send: errno \(errno)") }
    }
}
