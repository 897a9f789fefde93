import BloomCLI
import BloomServiceKit
import BloomTestSupport
import Foundation
import Testing

/// A bloom-supervisor process running fake services (bloom-test-service) on a fresh temporary data directory.
/// `shutdown()` (called in a `defer`) SIGKILLs whatever is left: the supervisor and every pid it ever reported.
final class TestNode {
    /// Where the built binaries are: beside the test bundle.
    static let binaries: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    struct Service {
        var name: String
        var stopOrder: Int
        var scalable = false
        var environment: [String] = []
        var extra = ""
    }

    let root: String
    let dataDirectory: String
    let servicesDirectory: String
    let logPath: String
    private(set) var process: Process?
    private var seenPids = Set<Int32>()

    /// The three usual services, each a fake.
    static func standard(
        net: String = "",
        gossip: String = "",
        sync: String = "",
        environment: [String: [String]] = [:]
    ) -> [Service] {
        [
            Service(
                name: "bloom-net",
                stopOrder: 0,
                scalable: true,
                environment: environment["bloom-net"] ?? [],
                extra: net
            ),
            Service(name: "bloom-gossip", stopOrder: 1, environment: environment["bloom-gossip"] ?? [], extra: gossip),
            Service(name: "bloom-sync", stopOrder: 2, environment: environment["bloom-sync"] ?? [], extra: sync),
        ]
    }

    init(services: [Service] = TestNode.standard()) throws {
        for binary in ["bloom-supervisor", "bloom-test-service"]
        where !FileManager.default.isExecutableFile(atPath: Self.binaries + "/" + binary) {
            throw TestNodeError.timeout("no \(binary) in \(Self.binaries): build everything first (swift build --build-tests)")
        }
        // Short paths: ipc socket paths must fit 107 bytes.
        root = "/tmp/bsv-" + String(UUID().uuidString.prefix(8))
        dataDirectory = root + "/node"
        servicesDirectory = root + "/services"
        logPath = root + "/supervisor.log"
        try FileManager.default.createDirectory(atPath: servicesDirectory, withIntermediateDirectories: true)
        try rewrite(services)
    }

    /// Writes the definitions of `services` (fakes) into the services directory, replacing any there.
    func rewrite(_ services: [Service]) throws {
        for service in services {
            let environment = service.environment.map { "\"\($0)\"" }.joined(separator: ", ")
            let text = """
                [service]
                name = "\(service.name)"
                command = "\(Self.binaries)/bloom-test-service"
                scalable = \(service.scalable)
                stop_order = \(service.stopOrder)
                environment = [\(environment)]
                \(service.extra)
                """
            try text.write(toFile: "\(servicesDirectory)/\(service.name).toml", atomically: true, encoding: .utf8)
        }
    }

    /// A bloom-supervisor executable alone in a directory of this node, with no service built beside it: a hard
    /// link to the built one where the file system allows (the supervisor finds its services through
    /// `/proc/self/exe`, which names the link), else a copy.
    func lonelySupervisor() throws -> String {
        let directory = root + "/bin"
        let path = directory + "/bloom-supervisor"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if link(Self.binaries + "/bloom-supervisor", path) != 0 {
            try FileManager.default.copyItem(atPath: Self.binaries + "/bloom-supervisor", toPath: path)
        }
        return path
    }

    /// Starts bloom-supervisor (the built one unless `executable` names another) with `arguments` added to the
    /// data and services directories.
    func start(_ arguments: [String] = [], executable: String = TestNode.binaries + "/bloom-supervisor") throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            ["--data-dir", dataDirectory, "--services-dir", servicesDirectory, "--port", "17618"]
            // No HTTP server unless a test asks for one: the default port is one per machine.
            + (arguments.contains("--http") ? [] : ["--http", "off"]) + arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    /// The supervisor's log so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends a control command through the CLI's client.
    func request(_ cmd: String, args: JSONValue = .object([:])) throws -> JSONValue {
        let configuration = try NodeConfiguration.load(arguments: ["--data-dir", dataDirectory], environment: [:])
        return try ControlClient(configuration: configuration, timeout: 8).request(cmd, args: args)
    }

    /// `status` entries as (name, replica) → entry; remembers every pid for the final clean-up.
    func status() throws -> [String: JSONValue] {
        var entries: [String: JSONValue] = [:]
        for entry in try request("status")["services"]?.arrayValue ?? [] {
            let key = "\(entry["name"]?.stringValue ?? "?")/\(Int(entry["replica"]?.numberValue ?? -1))"
            entries[key] = entry
            if let pid = entry["pid"]?.numberValue { seenPids.insert(Int32(pid)) }
        }
        return entries
    }

    /// pid of a replica, `nil` when it has no process.
    func pid(_ key: String) throws -> Int32? {
        try status()[key]?["pid"]?.numberValue.map { Int32($0) }
    }

    /// Polls `status` until `condition` holds (up to `seconds`); returns the last status.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 20, _ condition: ([String: JSONValue]) -> Bool) throws -> [String:
        JSONValue]
    {
        var last: [String: JSONValue] = [:]
        let held = pollUntil(seconds: seconds) {
            guard let current = try? status() else { return false }
            last = current
            return condition(current)
        }
        if held { return last }
        throw TestNodeError.timeout(
            "\(what); last status: \(JSONValue.object(last).encoded())\nlog:\n\(log.suffix(3000))"
        )
    }

    /// Waits until every listed replica is ready.
    @discardableResult
    func waitAllReady(_ keys: [String] = ["bloom-net/0", "bloom-gossip/0", "bloom-sync/0"]) throws -> [String:
        JSONValue]
    {
        try waitFor("every service ready") { status in
            keys.allSatisfy { status[$0]?["state"] == .string("ready") } && status.count == keys.count
        }
    }

    /// Waits for the supervisor to exit and returns its status.
    func waitExit(seconds: Double = 20) throws -> Int32 {
        guard let process else { throw TestNodeError.timeout("not started") }
        pollUntil(seconds: seconds) { !process.isRunning }
        if process.isRunning { throw TestNodeError.timeout("supervisor still running; log:\n\(log.suffix(3000))") }
        return process.terminationStatus
    }

    /// True while `pid` exists and is not a zombie.
    static func alive(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return !status.contains("State:\tZ")
    }

    /// Kills everything this node may have left and removes its directory.
    func shutdown() {
        if let process, process.isRunning {
            // Gracefully first, so that the supervisor reaps its children; SIGKILL if it does not go.
            kill(process.processIdentifier, SIGTERM)
            pollUntil(seconds: 10, every: 0.02) { !process.isRunning }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        for pid in seenPids where Self.alive(pid) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }
}

enum TestNodeError: Error, CustomStringConvertible {
    /// A wait that did not end, or a precondition of the test that does not hold.
    case timeout(String)
    var description: String {
        switch self {
        case .timeout(let what): "timed out waiting: \(what)"
        }
    }
}
