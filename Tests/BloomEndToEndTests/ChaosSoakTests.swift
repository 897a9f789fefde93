import BloomTestSupport
import Foundation
import Testing

/// Issue 16, the short form of the chaos soak for CI: `Scripts/chaos` for two minutes of faults with a fixed seed,
/// on the debug binaries beside this test bundle (no release build in CI). In network namespaces where the machine
/// allows them (root), else on loopback addresses, where the script skips partitions, degraded links and the full
/// disk and says so. The script checks everything itself and exits 0 only when every check of its table holds.
extension EndToEndTests {
    /// A seed whose first faults are a 12 s hang, a service kill, a partition and a supervisor kill (in the order
    /// `Scripts/chaos` draws them), so that the short run exercises the checks that need them. `BLOOM_TEST_SEED`
    /// runs another.
    static let chaosSeed = ProcessInfo.processInfo.environment["BLOOM_TEST_SEED"] ?? "192"

    @Test func chaosSoak_shortForm_passesEveryCheck() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let report = "/tmp/bchaos-\(UUID().uuidString.prefix(8)).json"
        let logPath = report.replacingOccurrences(of: ".json", with: ".log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: report) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "bash", repository.path + "/Scripts/chaos", "--minutes", fullRun ? "10" : "2", "--seed", Self.chaosSeed,
            "--bin", E2ENode.binaries, "--json", report,
        ]
        process.currentDirectoryURL = repository
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A bound on a run that hangs, far above its length (its own waits are all bounded): then SIGINT, which
        // makes it clean up every namespace, mount and process it made.
        let ended = await pollUntil(seconds: fullRun ? 2400 : 1200, every: 1) { !process.isRunning }
        if !ended {
            process.interrupt()
            if !(await pollUntil(seconds: 120, every: 1) { !process.isRunning }) {
                kill(process.processIdentifier, SIGKILL)
                _ = await pollUntil(seconds: 30, every: 0.2) { !process.isRunning }
            }
        }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(ended, "Scripts/chaos still running after its bound:\n\(output.suffix(4000))")
        let status = process.isRunning ? -1 : process.terminationStatus
        #expect(status == 0, "Scripts/chaos failed (log \(logPath)):\n\(output.suffix(6000))")
        if status == 0 { try? FileManager.default.removeItem(atPath: logPath) }
    }
}
