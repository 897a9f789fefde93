import BloomCLI
import BloomServiceKit
import Foundation

/// Supervisor figures with fake services (bloom-test-service, built beside bloom-bench):
/// `crash_to_ready_ms_p50` / `_p99`: kill -9 of a service until its replacement's first ready heartbeat, as seen
/// in `status`; `rss_supervisor_idle_mb`: the supervisor's resident memory with three idle services.
let supervisorBenchmarks: [Benchmark] = [
    Benchmark(names: ["crash_to_ready_ms_p50", "crash_to_ready_ms_p99", "rss_supervisor_idle_mb"]) { quick in
        try SupervisorBench.run(kills: quick ? 10 : 50)
    }
]

enum SupervisorBench {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(kills: Int) throws -> [Figure] {
        let binaries = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map {
                ($0 as NSString).deletingLastPathComponent
            } ?? binaries
        let root = "/tmp/bsb-" + String(UUID().uuidString.prefix(8))
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/services", withIntermediateDirectories: true)
        for (order, name) in ["bloom-net", "bloom-gossip", "bloom-sync"].enumerated() {
            // stable_s = 0: every kill comes after a healthy run, so each is repaired after the first back-off
            // step (100 ms) and none counts toward the intensity limit.
            let text = """
                [service]
                name = "\(name)"
                command = "\(executable)/bloom-test-service"
                stop_order = \(order)
                [restart]
                stable_s = 0
                """
            try text.write(toFile: "\(root)/services/\(name).toml", atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable + "/bloom-supervisor")
        process.arguments = [
            "--data-dir", root + "/node", "--services-dir", root + "/services", "--log-level", "warning",
        ]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        let configuration = try NodeConfiguration.load(arguments: ["--data-dir", root + "/node"], environment: [:])
        let client = ControlClient(configuration: configuration, timeout: 5)
        func gossip() -> (pid: Int32, ready: Bool)? {
            guard let services = (try? client.request("status"))?["services"]?.arrayValue,
                let entry = services.first(where: { $0["name"] == .string("bloom-gossip") }),
                let pid = entry["pid"]?.numberValue
            else { return nil }
            return (Int32(pid), entry["state"] == .string("ready"))
        }
        func waitReady(notPid: Int32?) throws -> Int32 {
            let deadline = now() + 30
            while now() < deadline {
                if let state = gossip(), state.ready, state.pid != notPid { return state.pid }
                usleep(2_000)
            }
            throw Failure(description: "bloom-gossip not ready within 30 s")
        }
        var pid = try waitReady(notPid: nil)
        usleep(1_000_000)
        let rss = try residentMegabytes(process.processIdentifier)
        var samples: [Double] = []
        for _ in 0..<kills {
            let start = now()
            kill(pid, SIGKILL)
            pid = try waitReady(notPid: pid)
            samples.append((now() - start) * 1000)
        }
        return [
            Figure(name: "crash_to_ready_ms_p50", value: percentile(samples, 50), unit: "ms"),
            Figure(name: "crash_to_ready_ms_p99", value: percentile(samples, 99), unit: "ms"),
            Figure(name: "rss_supervisor_idle_mb", value: rss, unit: "MB"),
        ]
    }

    static func residentMegabytes(_ pid: Int32) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { throw Failure(description: "no VmRSS for \(pid)") }
        return kilobytes / 1024
    }
}
