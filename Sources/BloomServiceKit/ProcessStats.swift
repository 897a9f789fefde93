import Foundation

/// The standard `process_*` series of a Linux process, read from `/proc/self` (what the Prometheus client
/// libraries call the process collector): every service and the supervisor export them with the same names.
public struct ProcessStats: Equatable, Sendable {
    /// Resident set size, bytes.
    public var residentBytes: Double
    /// Virtual memory size, bytes.
    public var virtualBytes: Double
    /// User plus system CPU time, seconds.
    public var cpuSeconds: Double
    /// Open file descriptors.
    public var openFDs: Double

    /// Reads this process's figures; `nil` when `/proc` is not mounted or unreadable.
    public static func current() -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let parsed = parse(stat: stat, pageSize: Double(sysconf(Int32(_SC_PAGESIZE))),
                ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
        else { return nil }
        var stats = parsed
        stats.openFDs = Double((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0)
        return stats
    }

    /// The figures in a `/proc/<pid>/stat` line (proc(5)): after the command in parentheses, which may itself
    /// contain spaces and parentheses, field 14 utime, 15 stime (ticks), 23 vsize (bytes), 24 rss (pages).
    public static func parse(stat: String, pageSize: Double, ticksPerSecond: Double) -> ProcessStats? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // Fields from 3 (state) on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? { number - 3 < fields.count ? Double(fields[number - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let vsize = field(23), let rss = field(24),
            ticksPerSecond > 0
        else { return nil }
        return ProcessStats(
            residentBytes: rss * pageSize,
            virtualBytes: vsize,
            cpuSeconds: (utime + stime) / ticksPerSecond,
            openFDs: 0
        )
    }

    /// The series in the text format, with `# HELP` and `# TYPE`.
    public var exposition: String {
        """
        # HELP process_resident_memory_bytes Resident memory size in bytes.
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes \(PrometheusText.format(residentBytes))
        # HELP process_virtual_memory_bytes Virtual memory size in bytes.
        # TYPE process_virtual_memory_bytes gauge
        process_virtual_memory_bytes \(PrometheusText.format(virtualBytes))
        # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
        # TYPE process_cpu_seconds_total counter
        process_cpu_seconds_total \(PrometheusText.format(cpuSeconds))
        # HELP process_open_fds Number of open file descriptors.
        # TYPE process_open_fds gauge
        process_open_fds \(PrometheusText.format(openFDs))

        """
    }
}
