import Foundation

/// What an idle node costs (issue 14, item 3): a fresh node (not mining, no peers) started with bloom-supervisor on
/// a temporary data directory, left to settle, then measured from /proc only:
/// - `idle_node_cpu_pct`: utime + stime of the supervisor and its three services together over the window (60 s,
///   20 s with `--quick`), in percent of one core; `idle_cpu_<process>_pct` the same per process, to show which one
///   wakes;
/// - `rss_<service>_idle_anon_mb` / `rss_<service>_idle_file_mb`: the service's resident memory split as
///   `/proc/PID/smaps_rollup` reports it (anonymous: heaps, stacks, caches; file: the mapped code and data of the
///   binary and its libraries), beside the total `rss_<service>_idle_mb` of the full-stack figures.
let idleBenchmarks: [Benchmark] = [
    Benchmark(
        names: ["idle_node_cpu_pct"] + (["bloom-supervisor"] + FullStack.services).map { "idle_cpu_\($0)_pct" }
            + FullStack.services.flatMap { ["rss_\($0)_idle_anon_mb", "rss_\($0)_idle_file_mb"] }
    ) { quick in try IdleNode.measure(window: quick ? 20 : 60) }
]

enum IdleNode {
    static func measure(window: Double) throws -> [Figure] {
        let root = try fullStackRoot()
        let node = try FullStackNode(root: root, index: 0, addressBase: 54)
        defer {
            node.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try node.start()
        try node.waitReady()
        // Past the start-up heartbeats (fast for 2 s) and the first gossip rounds.
        usleep(5_000_000)
        var processes: [(name: String, pid: Int32)] = [("bloom-supervisor", try HTTPBench.supervisorPID(node))]
        for service in FullStack.services {
            guard let pid = node.pid(of: service) else { throw BenchError("no pid for \(service)") }
            processes.append((service, pid))
        }
        var figures: [Figure] = []
        for (name, pid) in processes where name != "bloom-supervisor" {
            guard let split = rssSplitMB(pid) else { continue }
            figures.append(Figure(name: "rss_\(name)_idle_anon_mb", value: split.anon, unit: "MB"))
            figures.append(Figure(name: "rss_\(name)_idle_file_mb", value: split.file, unit: "MB"))
        }
        // Nothing is asked during the window: the control questions above were the last ones.
        let before = try processes.map { try HTTPBench.cpuSeconds($0.pid) }
        let start = now()
        usleep(UInt32(window * 1_000_000))
        let elapsed = now() - start
        let after = try processes.map { try HTTPBench.cpuSeconds($0.pid) }
        var total = 0.0
        for index in processes.indices {
            let percent = (after[index] - before[index]) / elapsed * 100
            total += percent
            figures.append(Figure(name: "idle_cpu_\(processes[index].name)_pct", value: percent, unit: "% of one core"))
        }
        figures.insert(Figure(name: "idle_node_cpu_pct", value: total, unit: "% of one core (4 processes)"), at: 0)
        return figures
    }

    /// `Rss` of `/proc/PID/smaps_rollup` split into anonymous and file-backed pages, in MB.
    static func rssSplitMB(_ pid: Int32) -> (anon: Double, file: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kb = Double(parts[1]) else { continue }
            values[String(parts[0])] = kb
        }
        guard let rss = values["Rss:"], let anon = values["Anonymous:"] else { return nil }
        return (anon / 1024, (rss - anon) / 1024)
    }
}
