import BloomBus
import BloomCLI
import BloomCore
import BloomServiceKit
import Foundation

/// One complete node for the full-stack benchmarks: a bloom-supervisor process (beside bloom-bench) on its own data
/// directory, loopback address and port; questions through the control socket; `chain.tip` events timestamped by
/// a subscriber on the node's own bus. `stop()` is SIGTERM, then SIGKILL of the supervisor and every pid it reported.
final class FullStackNode: @unchecked Sendable {
    static let binaries: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    let address: String
    let port: Int
    let dataDirectory: String
    var arguments: [String] = []
    private var process: Process?
    private let pids = Locked<Set<Int32>>([])
    /// Block hash → monotonic time its `chain.tip` was seen on this node's bus.
    let tipTimes = TipTimes()
    private var client: BusClient?

    init(root: String, index: Int, addressBase: Int = 20) throws {
        address = "127.0.0.\(addressBase + index)"
        port = try FullStackNode.freePort(on: address)
        dataDirectory = "\(root)/n\(index)"
    }

    var endpoint: String { "\(address):\(port)" }

    func start(connect: [String] = [], mine: Bool = false) throws {
        var args = ["--data-dir", dataDirectory, "--bind", address, "--port", String(port), "--log-level", "warning"]
        for peer in connect { args += ["--connect", peer] }
        if mine { args += ["--mine", "--mine-profile", "quick", "--min-block-interval", "1"] }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaries + "/bloom-supervisor")
        // No HTTP server unless a benchmark asks for one: the default port is one per machine.
        process.arguments = args + (arguments.contains("--http") ? [] : ["--http", "off"]) + arguments
        let logPath = dataDirectory + ".log"
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = FileHandle(forWritingAtPath: logPath)
        log?.seekToEndOfFile()
        process.standardOutput = log ?? FileHandle.nullDevice
        process.standardError = log ?? FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    func ask(_ cmd: String, _ args: JSONValue = .object([:])) -> JSONValue? {
        guard let configuration = try? NodeConfiguration.load(arguments: ["--data-dir", dataDirectory], environment: [:])
        else { return nil }
        let answer = try? ControlClient(configuration: configuration, timeout: 5).request(cmd, args: args)
        if cmd == "status", let list = answer?["services"]?.arrayValue {
            let seen = list.compactMap { $0["pid"]?.numberValue }.map { Int32($0) }
            pids.withLock { $0.formUnion(seen) }
        }
        return answer
    }

    func services() -> [JSONValue] { ask("status")?["services"]?.arrayValue ?? [] }

    func isReady() -> Bool {
        let list = services()
        return list.count >= 3 && list.allSatisfy { $0["state"]?.stringValue == "ready" }
    }

    func pid(of service: String) -> Int32? {
        services().first { $0["name"]?.stringValue == service }.flatMap { $0["pid"]?.numberValue }.map { Int32($0) }
    }

    func height() -> Int? { ask("chain")?["height"]?.numberValue.map { Int($0) } }

    /// The supervisor's and every service's pid, by name (`bloom-supervisor`, `bloom-net`, …).
    func processIDs() -> [String: Int32] {
        var pids: [String: Int32] = [:]
        for entry in services() {
            if let name = entry["name"]?.stringValue, let pid = entry["pid"]?.numberValue { pids[name] = Int32(pid) }
        }
        if let process, process.isRunning { pids["bloom-supervisor"] = process.processIdentifier }
        return pids
    }

    func waitReady(timeout: Double = 120) throws {
        try waitUntil("node \(address) ready", timeout: timeout) { isReady() }
    }

    /// Subscribes to `chain.tip` on the node's bus and timestamps every tip.
    func watchTips() throws {
        let endpoints = try BusEndpoints.defaults(dataDirectory: dataDirectory)
        let client = try BusClient(
            endpoints: endpoints,
            sender: SenderID(service: .cli, replica: 0, bootID: UInt32.random(in: 1...SenderID.maxBootID)),
            context: try ZMQContext.make()
        )
        client.subscribe(.chainTip)
        try SyncBenchmarkFixtures.blocking { try await client.joined() }
        let times = tipTimes
        let messages = client.messages
        Task.detached {
            for await message in messages where message.topic == .chainTip {
                if let tip = try? message.decode(ChainTip.self) {
                    let seen = now()
                    times.record(tip.hash, at: seen)
                    times.record(height: tip.height, at: seen)
                }
            }
        }
        self.client = client
    }

    func stop() {
        client?.stop()
        guard let process else { return }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let end = now() + 20
            while process.isRunning && now() < end { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        for pid in pids.withLock({ $0 }) where isLive(pid) { kill(pid, SIGKILL) }
    }

    /// Resident memory of `pid` in MB (VmRSS).
    static func rssMB(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first
            return kb.map { $0 / 1024 }
        }
        return nil
    }

    static func freePort(on address: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SyncBenchmarkFixtures.Failure("socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in.loopback(address, port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SyncBenchmarkFixtures.Failure("bind \(address): errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension sockaddr_in {
    static func loopback(_ address: String, port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, address, &addr.sin_addr)
        return addr
    }
}

func isLive(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
    return !status.contains("zombie")
}

/// Polls `condition` every 10 ms; throws after `timeout` (a bound on waiting).
func waitUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) throws {
    let end = now() + timeout
    while now() < end {
        if try condition() { return }
        usleep(10_000)
    }
    throw SyncBenchmarkFixtures.Failure("gave up after \(Int(timeout)) s: \(what)")
}

/// A fresh short directory (ipc paths must fit 107 bytes).
func fullStackRoot() throws -> String {
    let root = "/tmp/bfs-" + String(UUID().uuidString.prefix(8))
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    return root
}

/// Block hash → the monotonic time its tip was first seen, shared between the bus task and the benchmark; and the
/// first time each height was reached.
final class TipTimes: Sendable {
    private let times = Locked<[Hash256: Double]>([:])
    private let heights = Locked<[(height: UInt32, time: Double)]>([])

    func record(_ hash: Hash256, at time: Double) {
        times.withLock { if $0[hash] == nil { $0[hash] = time } }
    }

    func record(height: UInt32, at time: Double) {
        heights.withLock { $0.append((height, time)) }
    }

    /// When a tip at `height` or above was first seen (tips come a batch at a time, not one per block).
    func firstTime(atHeight height: UInt32) -> Double? {
        heights.withLock { $0.first { $0.height >= height }?.time }
    }

    func snapshot() -> [Hash256: Double] { times.withLock { $0 } }

    func time(_ hash: Hash256) -> Double? { times.withLock { $0[hash] } }
}

/// CPU time (utime + stime) of processes, from `/proc/PID/stat`: the time of threads that ended is included, which
/// summing `/proc/PID/task/*` would miss (bloom-sync's dispatch threads come and go).
enum CPUTime {
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Seconds of CPU the processes used so far; a process that is gone counts 0.
    static func total(_ pids: [Int32]) -> Double {
        pids.reduce(0) { $0 + (seconds($1) ?? 0) }
    }

    /// Seconds each thread of `pid` spent runnable but waiting for a CPU (`/proc/PID/task/TID/schedstat`, field
    /// 2), by thread id.
    static func runQueueWait(_ pid: Int32) -> [String: Double] {
        let directory = "/proc/\(pid)/task"
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [:] }
        var waits: [String: Double] = [:]
        for task in tasks {
            guard let text = try? String(contentsOfFile: "\(directory)/\(task)/schedstat", encoding: .utf8) else { continue }
            let fields = text.split(separator: " ")
            if fields.count > 1, let nanoseconds = Double(fields[1]) { waits[task] = nanoseconds / 1e9 }
        }
        return waits
    }

    /// Run-queue wait between two ``runQueueWait(_:)`` samples: threads that began meanwhile count whole, threads
    /// that ended meanwhile are missed.
    static func waited(from before: [String: Double], to after: [String: Double]) -> Double {
        after.reduce(0) { $0 + $1.value - (before[$1.key] ?? 0) }
    }

    static func seconds(_ pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm)": state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }
}
