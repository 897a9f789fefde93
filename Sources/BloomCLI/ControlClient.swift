import BloomBus
import BloomServiceKit
import Foundation

/// Asks the supervisor over its control socket (a DEALER to its ROUTER): `{id, cmd, args}` → `{id, ok, result|error}`.
public struct ControlClient: Sendable {
    /// The node's configuration (data directory and control endpoint).
    public var configuration: NodeConfiguration
    /// How long to wait for an answer, seconds. Service questions take up to 5 s inside the supervisor.
    public var timeout: Double

    /// Creates a client.
    public init(configuration: NodeConfiguration, timeout: Double = 8) {
        self.configuration = configuration
        self.timeout = timeout
    }

    /// Sends one request and returns its `result`.
    /// - Throws: `CLIError.noNode` when no supervisor holds the lock, `.notAnswering` on timeout,
    ///   `.commandFailed` with the node's error when it answers `ok: false`.
    public func request(_ cmd: String, args: JSONValue = .object([:])) throws(CLIError) -> JSONValue {
        // ZeroMQ cannot tell that nobody listens (a connect to a missing ipc socket just waits): the lock can.
        guard let holder = SupervisorLock.holder(of: configuration.lockFile) else {
            throw .noNode(dataDirectory: configuration.dataDirectory)
        }
        return try ask(cmd, args: args, holder: holder)
    }

    /// Sends one request without probing the lock first: for callers inside the supervisor's own process (its HTTP
    /// server), where F_GETLK cannot see the process's own lock. Same answers and errors as ``request(_:args:)``.
    public func ask(_ cmd: String, args: JSONValue = .object([:]), holder: pid_t = getpid()) throws(CLIError)
        -> JSONValue
    {
        let id = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        let request = JSONValue.object(["id": .string(id), "cmd": .string(cmd), "args": args])
        do {
            let socket = try NodeBus.socket(.dealer)
            try socket.connect(configuration.control)
            try socket.send([Array(request.encoded().utf8)])
            let deadline = MonotonicClock.now() + timeout
            while true {
                let left = deadline - MonotonicClock.now()
                if left <= 0 {
                    throw CLIError.notAnswering(
                        dataDirectory: configuration.dataDirectory,
                        pid: holder,
                        seconds: timeout
                    )
                }
                guard try NodeBus.wait([.socket(socket)], timeoutMs: Int(left * 1000) + 1)[0] else { continue }
                guard let frames = try socket.receive(nonBlocking: true), let payload = frames.last else { continue }
                let answer = try JSONValue.decode(payload)
                guard answer["id"] == .string(id) else { continue }  // a stale answer: not ours
                if answer["ok"] == .bool(true) { return answer["result"] ?? .null }
                throw CLIError.commandFailed(answer["error"]?.stringValue ?? "the node refused the command")
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw .transport("control socket \(configuration.control): \(error)")
        }
    }
}
