import Foundation

/// `--loaded`: one core kept busy by another process for the whole run, as the loaded figures ask (another
/// engineer's build, a miner). The process is a shell spinning on `kill -0` of this process (a builtin: no fork per
/// turn), so it ends by itself when bloom-bench ends, even after a crash or `kill -9`.
enum LoadGenerator {
    static func start() throws -> Process {
        let spinner = Process()
        spinner.executableURL = URL(fileURLWithPath: "/bin/sh")
        spinner.arguments = ["-c", "while kill -0 \(getpid()) 2>/dev/null; do :; done"]
        spinner.standardOutput = FileHandle.nullDevice
        spinner.standardError = FileHandle.nullDevice
        try spinner.run()
        return spinner
    }

    static func stop(_ spinner: Process?) {
        guard let spinner, spinner.isRunning else { return }
        spinner.terminate()
        spinner.waitUntilExit()
    }
}
