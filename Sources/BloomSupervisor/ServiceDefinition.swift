import BloomServiceKit

/// How the supervisor runs one service, read from a TOML file in `Services/` (`TOMLFile`).
///
/// ```toml
/// [service]
/// name = "bloom-net"          # required; also the default command, found beside bloom-supervisor
/// command = "/usr/bin/x"      # optional: another executable (absolute, or relative to the definition file)
/// arguments = ["--flag"]      # optional: passed before the common flags
/// environment = ["K=V"]       # optional: added to the child's environment
/// replicas = 1                # 1…64
/// scalable = true             # whether `bloom scale` may change the replica count
/// stop_order = 0              # lower stops first (net 0, gossip 1, sync 2)
///
/// [restart]
/// policy = "always"           # always | on-failure | never
/// backoff_initial_ms = 100
/// backoff_max_ms = 30000
/// stable_s = 3                # ready this long → back-off reset, restart not counted
/// max_restarts = 5            # more counted restarts than this within window_s → failed
/// window_s = 60
/// retry_failed_s = 300        # a failed replica (not exit 78) is started again this long after; 0 = never
///
/// [timeouts]
/// readiness_s = 30            # spawn → first heartbeat
/// heartbeat_s = 5             # silence after which a ready service is hung
/// stop_s = 10                 # SIGTERM → SIGKILL
/// ```
public struct ServiceDefinition: Equatable, Sendable {
    /// Full service name (`bloom-net`).
    public var name: String
    /// Executable path, or `nil` for the binary named `name` beside bloom-supervisor.
    public var command: String?
    /// Extra arguments, before the common flags.
    public var arguments: [String]
    /// Extra environment, `KEY=VALUE`.
    public var environment: [String]
    /// Replicas started at boot.
    public var replicas: Int
    /// Whether the replica count may change at run time.
    public var scalable: Bool
    /// Stop order: lower first.
    public var stopOrder: Int
    /// Restart behaviour.
    public var restart: RestartPolicy
    /// Seconds from spawn to the first heartbeat before the start counts as failed.
    public var readinessTimeout: Double
    /// Seconds of heartbeat silence after which a ready replica is hung.
    public var heartbeatTimeout: Double
    /// Seconds between SIGTERM and SIGKILL when stopping.
    public var stopTimeout: Double

    /// The short name: `bloom-net` → `net`.
    public var shortName: String {
        name.hasPrefix("bloom-") ? String(name.dropFirst(6)) : name
    }
}

/// A service definition that cannot be used, with its file, line and field.
public struct ServiceDefinitionError: Error, Equatable, CustomStringConvertible {
    /// The definition file.
    public var file: String
    /// 1-based line (0 when the problem is a missing key or the file as a whole).
    public var line: Int
    /// The field (`[table] key`), or `syntax`.
    public var field: String
    /// What is wrong.
    public var reason: String

    public var description: String { "\(file):\(line): \(field): \(reason)" }
}
