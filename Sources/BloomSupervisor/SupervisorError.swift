/// Why the supervisor cannot start. Nothing has been started when one of these is reported.
public enum SupervisorError: Error, CustomStringConvertible {
    /// Another supervisor holds the lock on this data directory.
    case alreadyRunning(dataDirectory: String, pid: Int32)
    /// A directory or file of the data directory cannot be made or used.
    case dataDirectory(path: String, reason: String)
    /// A service's executable is missing or not executable.
    case missingExecutable(service: String, path: String)
    /// A bus or control endpoint cannot be bound.
    case endpoint(String)
    /// The bus keys (`<data-dir>/keys`) cannot be made or used.
    case busKeys(String)
    /// `--services` names a service that is not defined.
    case unknownService(String, known: [String])

    public var description: String {
        switch self {
        case .alreadyRunning(let directory, let pid):
            "another bloom-supervisor (pid \(pid)) is already running on \(directory); stop it first (bloom --data-dir \(directory) stop)"
        case .dataDirectory(let path, let reason): "\(path): \(reason)"
        case .missingExecutable(let service, let path): "\(service): no executable at \(path)"
        case .endpoint(let reason): "cannot bind: \(reason)"
        case .busKeys(let reason): "bus keys: \(reason)"
        case .unknownService(let name, let known):
            "--services names '\(name)', which is not a defined service (defined: \(known.joined(separator: ", ")))"
        }
    }
}
