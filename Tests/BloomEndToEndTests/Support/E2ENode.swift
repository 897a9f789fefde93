import BloomCLI
import BloomServiceKit
import BloomTestSupport
import Foundation

/// One complete node: a real bloom-supervisor (with the real bloom-net, bloom-sync and bloom-gossip beside it) on
/// its own data directory, loopback address and P2P port. `kill()` (called in a `defer`) SIGKILLs the supervisor
/// and every service pid it ever reported; nothing is found by name.
final class E2ENode: @unchecked Sendable {
    /// Where the built binaries are: beside the test bundle.
    static let binaries: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    let index: Int
    /// Each node its own loopback address (DESIGN.md, "Same address, self-connections").
    let address: String
    let port: Int
    let dataDirectory: String
    let logPath: String
    var connect: [String] = []
    var mine: Bool
    var extraArguments: [String] = []
    /// The network namespace the node runs in (a host of its own, `CrossHostNetwork`), nil for this one.
    let namespace: String?
    private(set) var process: Process?
    private let lock = NSLock()
    private var seenPids = Set<Int32>()

    /// "address:port", as peers dial it.
    var endpoint: String { "\(address):\(port)" }

    /// A node on its own loopback address, or, with `host`, in that network namespace at that address.
    init(index: Int, root: String, mine: Bool = false, host: (namespace: String, address: String)? = nil) throws {
        for binary in ["bloom-supervisor", "bloom", "bloom-net", "bloom-sync", "bloom-gossip"]
        where !FileManager.default.isExecutableFile(atPath: Self.binaries + "/" + binary) {
            throw E2EError("no \(binary) in \(Self.binaries): build everything first (swift build --build-tests)")
        }
        self.index = index
        self.namespace = host?.namespace
        self.address = host?.address ?? "127.0.0.\(10 + index)"
        // A namespace has a network stack of its own: the default port is free there.
        self.port = host == nil ? try freePort(on: "127.0.0.\(10 + index)") : 7618
        self.dataDirectory = "\(root)/n\(index)"
        self.logPath = "\(root)/n\(index).log"
        self.mine = mine
    }

    /// Starts the supervisor; `mine` overrides the node's setting for this run.
    func start(mine: Bool? = nil) throws {
        var arguments = [
            "--data-dir", dataDirectory, "--bind", address, "--port", String(port), "--log-level",
            ProcessInfo.processInfo.environment["BLOOM_E2E_LOG_LEVEL"] ?? "info",
            "--handshake-timeout", "5",
            // The HTTP server on the node's own address, any free port (run/http.address says which).
            "--http", "\(address):0",
        ]
        for peer in connect { arguments += ["--connect", peer] }
        if mine ?? self.mine { arguments += ["--mine", "--mine-profile", "quick", "--min-block-interval", "1"] }
        arguments += extraArguments
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let process = Process()
        if let namespace {
            // `ip netns exec` execs the supervisor: the process is the supervisor itself.
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", namespace, Self.binaries + "/bloom-supervisor"] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binaries + "/bloom-supervisor")
            process.arguments = arguments
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lock.withLock { self.process = process }
    }

    /// Asks the node through its control socket; nil when it does not answer (yet).
    func ask(_ cmd: String, _ args: JSONValue = .object([:]), timeout: Double = 5) -> JSONValue? {
        guard
            let configuration = try? NodeConfiguration.load(
                arguments: ["--data-dir", dataDirectory],
                environment: [:]
            )
        else { return nil }
        let answer = try? ControlClient(configuration: configuration, timeout: timeout).request(cmd, args: args)
        if cmd == "status", let services = answer?["services"]?.arrayValue {
            // Only this node's own processes: services of other supervisors on its bus are theirs to stop.
            let pids = services.filter { $0["remote"] != .bool(true) }.compactMap { $0["pid"]?.numberValue }
                .map { Int32($0) }
            lock.withLock { seenPids.formUnion(pids) }
        }
        return answer
    }

    /// Runs the `bloom` command on this node: exit code and standard output.
    func cli(_ arguments: [String]) throws -> (code: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaries + "/bloom")
        process.arguments = arguments + ["--data-dir", dataDirectory]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The port of the node's HTTP server, from `run/http.address`; nil before it listens.
    func httpPort() -> Int? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/run/http.address", encoding: .utf8),
            let colon = text.lastIndex(of: ":")
        else { return nil }
        return Int(text[text.index(after: colon)...].prefix { $0.isNumber })
    }

    /// `GET path` on the node's HTTP server; nil when it does not answer.
    func http(_ path: String) -> HTTPGet.Response? {
        guard let port = httpPort() else { return nil }
        return try? HTTPGet.get(path, host: address, port: port)
    }

    /// `/metrics`, parsed; empty when the server does not answer or the text does not parse.
    func metrics() -> [MetricFamily] {
        guard let response = http("/metrics"), response.status == 200 else { return [] }
        return (try? PrometheusText.parse(response.body)) ?? []
    }

    /// Every service replica as `bloom status --json` lists it.
    func services() -> [JSONValue] { ask("status")?["services"]?.arrayValue ?? [] }

    /// The services this node's supervisor runs (`--services` narrows it).
    var expectedServices: Set<String> = ["bloom-net", "bloom-sync", "bloom-gossip"]

    /// Whether every replica of its own is ready (and there is at least one per expected service); services of
    /// other supervisors on its bus do not count.
    func isReady() -> Bool {
        let list = services().filter { $0["remote"] != .bool(true) }
        let names = Set(list.compactMap { $0["name"]?.stringValue })
        return names.isSuperset(of: expectedServices) && list.allSatisfy { $0["state"]?.stringValue == "ready" }
    }

    /// The pid of this node's replica `replica` of `service`, when running.
    func pid(of service: String, replica: Int = 0) -> Int32? {
        services().first {
            $0["name"]?.stringValue == service && Int($0["replica"]?.numberValue ?? -1) == replica
                && $0["remote"] != .bool(true)
        }.flatMap { $0["pid"]?.numberValue }.map { Int32($0) }
    }

    /// `(height, tip)` from `bloom chain`.
    func chain() -> (height: Int, tip: String)? {
        guard let answer = ask("chain"), let height = answer["height"]?.numberValue,
            let tip = answer["tip"]?.stringValue
        else { return nil }
        return (Int(height), tip)
    }

    /// The hash of the main-chain block at `height`, if this node stores one.
    func hash(atHeight height: Int) -> String? {
        guard let block = ask("block", .object(["id": .string(String(height))])),
            block["main_chain"].map({ $0 == .bool(true) }) ?? false
        else { return nil }
        return block["hash"]?.stringValue
    }

    /// Whether this node stores the block `hash` (on any branch).
    func stores(_ hash: String) -> Bool { ask("block", .object(["id": .string(hash)]))?["hash"]?.stringValue == hash }

    /// The connected peers' entries.
    func peers() -> [JSONValue] { ask("peers")?["peers"]?.arrayValue ?? [] }

    /// SIGTERM to the supervisor, SIGKILL to whatever is left after `timeout`.
    func stop(timeout: Double = 30) {
        guard let process = lock.withLock({ self.process }), process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGTERM)
        pollUntil(seconds: timeout) { !process.isRunning }
        kill()
    }

    /// SIGKILL to the supervisor and every service pid it reported (cleanup; by pid only).
    func kill() {
        let (process, pids) = lock.withLock { (self.process, self.seenPids) }
        if let process, process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for pid in pids where isAlive(pid) { Glibc.kill(pid, SIGKILL) }
    }

    /// The tail of this node's supervisor log (its services' lines included), for failure messages.
    /// The whole log of this node (its supervisor and every service).
    func logText() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    func logTail(_ bytes: Int = 3000) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
        return String(text.suffix(bytes))
    }
}

/// Whether `pid` is a live (not zombie) process.
func isAlive(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
    return !status.contains("zombie")
}

/// A port free on `address` now (bind to 0, read it back, close).
func freePort(on address: String) throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw E2EError("socket: \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    inet_pton(AF_INET, address, &addr.sin_addr)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw E2EError("bind \(address): errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A failed end-to-end step, with what was waited for.
struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
