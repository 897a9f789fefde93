/// How a child process ended.
public enum ExitStatus: Equatable, Sendable {
    /// It called exit with this code.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    /// Exit code 78: the service says restarting cannot help.
    public var isPermanentFailure: Bool { self == .exited(78) }
}

/// The restart decisions for one replica: exponential back-off and the intensity limit, as a value type with the
/// clock passed in, so that every rule is testable without processes or waiting.
///
/// Rules (DESIGN.md, "Restarts"): the delay starts at `backoffInitial` and doubles up to `backoffMax`; an exit after
/// the replica was ready for `stable` seconds resets the delay and is not counted; more than `maxRestarts` counted
/// restarts within `window` seconds → failed, and tried again `retryFailed` seconds later. Exit code 78 → failed at
/// once, for good. `mode` decides which exits restart.
public struct RestartTracker: Equatable, Sendable {
    /// What to do after an exit.
    public enum Decision: Equatable, Sendable {
        /// Start again after this many seconds.
        case restart(after: Double)
        /// Give up: the replica is `failed` until an operator restarts it or, when `retryAfter` is set, until that
        /// many seconds have passed.
        case fail(reason: String, retryAfter: Double?)
        /// The policy does not restart this exit: the replica stays `stopped`.
        case stay(reason: String)
    }

    /// The policy applied.
    public let policy: RestartPolicy
    /// The delay the next counted restart waits.
    public private(set) var nextDelay: Double
    /// Times of counted restarts still inside the window.
    public private(set) var counted: [Double] = []

    /// A tracker with a fresh back-off.
    public init(policy: RestartPolicy) {
        self.policy = policy
        nextDelay = policy.backoffInitial
    }

    /// Decides what follows an exit at `now` of a replica that had been ready since `readySince` (nil: never ready).
    public mutating func decide(exit: ExitStatus, readySince: Double?, now: Double) -> Decision {
        if exit.isPermanentFailure { return .fail(reason: "exit code 78: permanent failure", retryAfter: nil) }
        switch policy.mode {
        case .never: return .stay(reason: "restart policy is never")
        case .onFailure where exit == .exited(0): return .stay(reason: "exited cleanly (policy on-failure)")
        default: break
        }
        if let readySince, now - readySince >= policy.stable {
            // A long healthy run: repair at once and forget earlier trouble (s6).
            nextDelay = policy.backoffInitial
            counted.removeAll()
            return .restart(after: policy.backoffInitial)
        }
        counted.removeAll { now - $0 > policy.window }
        counted.append(now)
        if counted.count > policy.maxRestarts {
            return .fail(
                reason: "more than \(policy.maxRestarts) restarts within \(Self.format(policy.window)) s",
                retryAfter: policy.retryFailed > 0 ? policy.retryFailed : nil
            )
        }
        let delay = nextDelay
        nextDelay = min(nextDelay * 2, policy.backoffMax)
        return .restart(after: delay)
    }

    /// Forgets all history (an operator's `bloom restart`).
    public mutating func reset() {
        nextDelay = policy.backoffInitial
        counted.removeAll()
    }

    private static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}
