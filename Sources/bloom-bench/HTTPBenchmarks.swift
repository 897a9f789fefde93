import BloomHTTP
import BloomServiceKit
import Foundation

/// bloom-supervisor's HTTP side under load: its CPU while `/metrics` is scraped once a second (and while a dashboard
/// is connected) with 100 peers connected, and the memory of a full hour of coherence history with 100 peers.
let httpBenchmarks: [Benchmark] = [
    Benchmark(names: [
        "supervisor_cpu_idle_pct", "supervisor_cpu_scrape_1hz_pct", "supervisor_cpu_dashboard_pct",
        "metrics_scrape_ms", "metrics_scrape_bytes",
    ]) { quick in try HTTPBench.scrape(quick: quick) },
    Benchmark(names: ["history_1h_100peers_mb"]) { _ in HTTPBench.history() },
]

enum HTTPBench {
    /// One node, not mining, 100 raw peers connected; the supervisor's CPU (utime + stime from /proc) over a window
    /// with nothing asking, then with a scrape of `/metrics` every second, then with an `/events` stream open too.
    static func scrape(quick: Bool) throws -> [Figure] {
        let root = try fullStackRoot()
        let node = try FullStackNode(root: root, index: 0, addressBase: 60)
        node.arguments = ["--http", "\(node.address):0"]
        var sockets: [Int32] = []
        defer {
            for fd in sockets { close(fd) }
            node.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try node.start()
        try node.waitReady()
        for index in 1...100 {
            sockets.append(try FullStack.handshake(from: "127.0.2.\(index)", to: node.address, port: node.port))
        }
        try waitUntil("100 peers connected", timeout: 60) {
            (node.ask("peers")?["peers"]?.arrayValue?.count ?? 0) >= 100
        }
        let port = try httpPort(node)
        let supervisor = try supervisorPID(node)
        let window = quick ? 20.0 : 60.0
        usleep(3_000_000)
        let idle = try cpuPercent(supervisor, seconds: window) {}
        var durations: [Double] = []
        var bytes = 0
        let scraping = try cpuPercent(supervisor, seconds: window) {
            let start = now()
            let body = try get("/metrics", host: node.address, port: port)
            durations.append((now() - start) * 1000)
            bytes = body.utf8.count
        }
        // A dashboard: the event stream makes the poller ask status, chain, peers and mempool every second too.
        let stream = try openStream("/events", host: node.address, port: port)
        defer { close(stream) }
        let dashboard = try cpuPercent(supervisor, seconds: window) {
            _ = try get("/metrics", host: node.address, port: port)
            drain(stream)
        }
        return [
            Figure(name: "supervisor_cpu_idle_pct", value: idle, unit: "% of one core"),
            Figure(name: "supervisor_cpu_scrape_1hz_pct", value: scraping, unit: "% of one core"),
            Figure(name: "supervisor_cpu_dashboard_pct", value: dashboard, unit: "% of one core"),
            Figure(name: "metrics_scrape_ms", value: percentile(durations, 50), unit: "ms"),
            Figure(name: "metrics_scrape_bytes", value: Double(bytes), unit: "bytes"),
        ]
    }

    /// A full ring (3,660 samples) with 100 peers' r in every sample: the history's own estimate of what it holds.
    static func history() -> [Figure] {
        let history = CoherenceHistory()
        let peers = (0..<100).map { JSONValue.object(["id": .string(String(format: "%016llx", 0xA000 + $0)), "r": .number(0.9)]) }
        let coherence = JSONValue.object([
            "local": .object(["r": .number(0.95)]), "network": .object(["r": .number(0.9)]), "peers": .array(peers),
        ])
        for second in 0..<(history.capacity + 100) { history.record(coherence: coherence, at: Double(second)) }
        return [Figure(name: "history_1h_100peers_mb", value: Double(history.approximateBytes) / 1_048_576, unit: "MB")]
    }

    /// The supervisor's CPU over `seconds`, calling `tick` once a second, in percent of one core.
    static func cpuPercent(_ pid: Int32, seconds: Double, tick: () throws -> Void) throws -> Double {
        let before = try cpuSeconds(pid)
        let start = now()
        var next = start
        while now() - start < seconds {
            try tick()
            next += 1
            let wait = next - now()
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        }
        return (try cpuSeconds(pid) - before) / (now() - start) * 100
    }

    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { throw SyncBenchmarkFixtures.Failure("bad stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else {
            throw SyncBenchmarkFixtures.Failure("bad stat fields")
        }
        return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func supervisorPID(_ node: FullStackNode) throws -> Int32 {
        // The lock's holder: F_GETLK from this process sees the supervisor's lock.
        guard let pid = SupervisorLock.holder(of: node.dataDirectory + "/run/supervisor.lock") else {
            throw SyncBenchmarkFixtures.Failure("no supervisor holds the lock")
        }
        return pid
    }

    static func httpPort(_ node: FullStackNode) throws -> Int {
        var port: Int?
        try waitUntil("HTTP address written", timeout: 30) {
            let text = try? String(contentsOfFile: node.dataDirectory + "/run/http.address", encoding: .utf8)
            port = text.flatMap { $0.split(separator: ":").last }.flatMap { Int($0.prefix { $0.isNumber }) }
            return port != nil
        }
        return port!
    }

    static func connect(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SyncBenchmarkFixtures.Failure("socket: errno \(errno)") }
        var remote = sockaddr_in.loopback(host, port: port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw SyncBenchmarkFixtures.Failure("connect: errno \(errno)")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// `GET path`, the whole answer (the server closes after it).
    static func get(_ path: String, host: String, port: Int) throws -> String {
        let fd = try connect(host: host, port: port)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    static func openStream(_ path: String, host: String, port: Int) throws -> Int32 {
        let fd = try connect(host: host, port: port)
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return fd
    }

    /// Reads what the stream has sent so far without waiting.
    static func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {}
    }
}
