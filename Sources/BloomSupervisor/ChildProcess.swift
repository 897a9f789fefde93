import CBloomSys
import Foundation

/// A running child: its pid and the read end of the pipe that carries its stdout and stderr.
struct ChildProcess {
    let pid: pid_t
    /// Non-blocking, close-on-exec; closed by `LogPump.close` after the child has exited.
    let outputFD: Int32

    /// Why a spawn failed.
    struct SpawnError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot start \(path): \(String(cString: strerror(errno)))" }
    }

    /// Starts `path` with `arguments` and `environment` (`KEY=VALUE`) in its own process group.
    static func spawn(path: String, arguments: [String], environment: [String]) throws(SpawnError) -> ChildProcess {
        var fds: [Int32] = [0, 0]
        guard bloom_pipe_cloexec(&fds) == 0 else { throw SpawnError(path: path, errno: errno) }
        let argv = [path] + arguments
        let pid = withCStrings(argv) { argvPointer in
            withCStrings(environment) { envPointer in
                bloom_spawn(path, argvPointer, envPointer, fds[1])
            }
        }
        close(fds[1])
        if pid < 0 {
            close(fds[0])
            throw SpawnError(path: path, errno: -pid)
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return ChildProcess(pid: pid, outputFD: fds[0])
    }

    /// The exit status if the child has ended (and reaps it), else `nil`.
    static func reap(_ pid: pid_t) -> ExitStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else {
            // ECHILD: already reaped or not ours; report it as gone so that the supervisor never waits forever.
            if result < 0 && errno == ECHILD { return .signaled(0) }
            return nil
        }
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}

/// Calls `body` with a NULL-terminated `char *[]` of `strings`, valid only during the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Copies a child's output to the supervisor's stderr, prefixed with `service/replica`, and to its own log
/// file under `<data-dir>/logs/`. Lines are cut at 16 KiB so a child without newlines cannot grow the buffer.
struct LogPump {
    private static let maxLine = 16 * 1024
    let prefix: String
    private var fileFD: Int32
    private let logFile: String
    private var fileBytes = 0
    /// A log file past this size is renamed to `<name>.1` (replacing the previous one) and started afresh, so a
    /// chatty or crash-looping service cannot fill the disk: at most twice this per replica.
    static let defaultMaxFileBytes = 16 << 20
    private let maxFileBytes: Int
    /// Where prefixed lines are copied (the supervisor's stderr); -1 for nowhere.
    private let echoFD: Int32
    private var pending: [UInt8] = []

    init(prefix: String, logFile: String, maxFileBytes: Int = LogPump.defaultMaxFileBytes, echoFD: Int32 = 2) {
        self.maxFileBytes = maxFileBytes
        self.echoFD = echoFD
        self.prefix = prefix
        self.logFile = logFile
        fileFD = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        var info = stat()
        if fileFD >= 0, fstat(fileFD, &info) == 0 { fileBytes = Int(info.st_size) }
    }

    /// Reads what is available on `fd`; returns false at end of file.
    mutating func drain(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                pending.append(contentsOf: buffer[0..<count])
                flushLines(force: false)
            } else if count == 0 {
                flushLines(force: true)
                return false
            } else {
                return errno == EAGAIN || errno == EINTR
            }
        }
    }

    private mutating func flushLines(force: Bool) {
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n"))
            ?? (pending.count > Self.maxLine || (force && !pending.isEmpty) ? min(pending.count, Self.maxLine) : nil)
        {
            let end = min(newline, pending.count)
            emit(Array(pending[0..<end]))
            pending.removeFirst(min(end + 1, pending.count))
        }
    }

    private mutating func emit(_ line: [UInt8]) {
        let text = Array("[\(prefix)] ".utf8) + line + [UInt8(ascii: "\n")]
        if echoFD >= 0 { writeAll(echoFD, text) }
        guard fileFD >= 0 else { return }
        if fileBytes + line.count + 1 > maxFileBytes {
            Glibc.close(fileFD)
            rename(logFile, logFile + ".1")
            fileFD = open(logFile, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
            fileBytes = 0
            guard fileFD >= 0 else { return }
        }
        writeAll(fileFD, line + [UInt8(ascii: "\n")])
        fileBytes += line.count + 1
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Closes the log file.
    func close() {
        if fileFD >= 0 { Glibc.close(fileFD) }
    }
}
