import BloomServiceKit

/// A failure of a `bloom` command, with the exit code of DESIGN.md's operator conventions.
public enum CLIError: Error, Equatable, CustomStringConvertible {
    /// Nobody holds `run/supervisor.lock`: exit 3.
    case noNode(dataDirectory: String)
    /// The supervisor holds the lock but did not answer in time: exit 1.
    case notAnswering(dataDirectory: String, pid: Int32, seconds: Double)
    /// The node answered `ok: false`: exit 1.
    case commandFailed(String)
    /// The control socket could not be used, or the answer was malformed: exit 1.
    case transport(String)
    /// A configuration problem (flag, environment or file): exit 2.
    case configuration(String)

    /// The process exit code for this error.
    public var exitCode: Int32 {
        switch self {
        case .noNode: ExitCode.noNode
        case .notAnswering, .commandFailed, .transport: ExitCode.failure
        case .configuration: ExitCode.usage
        }
    }

    public var description: String {
        switch self {
        case .noNode(let directory):
            "no node is running at \(directory) (start one with bloom-supervisor --data-dir \(directory))"
        case .notAnswering(let directory, let pid, let seconds):
            "node not answering: bloom-supervisor (pid \(pid)) holds \(directory)/run/supervisor.lock but did not answer within \(seconds) s"
        case .commandFailed(let message): message
        case .transport(let message): message
        case .configuration(let message): message
        }
    }
}
