/// When and how fast a service is restarted (DESIGN.md, "Restarts"; s6's respawn throttling).
public struct RestartPolicy: Equatable, Sendable {
    /// Which exits lead to a restart.
    public enum Mode: String, Equatable, Sendable, CaseIterable {
        /// Any exit except code 78 (permanent failure).
        case always
        /// A non-zero exit or a signal, except code 78.
        case onFailure = "on-failure"
        /// Never restarted automatically.
        case never
    }

    /// Which exits restart.
    public var mode: Mode = .always
    /// First delay, seconds (100 ms).
    public var backoffInitial: Double = 0.1
    /// Largest delay, seconds (30 s).
    public var backoffMax: Double = 30
    /// Ready this long → back-off reset and the restart is not counted (3 s).
    public var stable: Double = 3
    /// More counted restarts than this within `window` → failed (5).
    public var maxRestarts: Int = 5
    /// The intensity window, seconds (60 s).
    public var window: Double = 60
    /// A replica that failed by the intensity limit is started again this long after it failed, seconds; 0 never
    /// (300 s). Crash loops often end by themselves (a full disk freed, a peer or a file back); Kubernetes'
    /// CrashLoopBackOff keeps trying every 5 minutes for the same reason. Exit code 78 is never retried.
    public var retryFailed: Double = 300

    /// The defaults of DESIGN.md.
    public init() {}
}
