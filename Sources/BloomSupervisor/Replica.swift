import BloomServiceKit
import Foundation

/// The states of DESIGN.md's `bloom status --json`.
public enum ReplicaState: String, Sendable {
    case starting, ready, backoff, failed, stopping, stopped
}

/// What happens once a replica that is being stopped has exited.
enum AfterStop: Equatable {
    /// Start it again at once (an operator's restart).
    case restart
    /// Forget the replica (scale down).
    case remove
    /// Leave it stopped (shutdown).
    case stay
}

/// Why and how a replica last ended; `last_exit` in status.
struct ExitRecord {
    var status: ExitStatus
    var reason: String
    var at: Date

    var json: JSONValue {
        var code = JSONValue.null
        var signal = JSONValue.null
        switch status {
        case .exited(let value): code = .number(Double(value))
        case .signaled(let value): signal = .number(Double(value))
        }
        return .object([
            "code": code, "signal": signal, "reason": .string(reason),
            "at": .string(ISO8601DateFormatter().string(from: at)),
        ])
    }
}

/// One replica of one service, as the supervisor's loop sees it. Owned by the loop thread only.
struct Replica {
    let service: String
    let index: Int
    var state: ReplicaState = .stopped
    var child: ChildProcess?
    var pump: LogPump?
    /// The child closed its output (EOF seen, descriptor closed): no longer polled, though it may still run.
    var outputClosed = false
    var spawnedAt = 0.0
    var readySince: Double?
    var lastHeartbeat = 0.0
    var bootID: UInt32?
    /// When the back-off ends (state `backoff`) or SIGKILL is due (state `stopping`).
    var deadline = 0.0
    var afterStop: AfterStop = .stay
    /// Set when the supervisor kills the child itself (hung, not ready), for `last_exit.reason`.
    var killReason: String?
    var restarts = 0
    var lastExit: ExitRecord?
    var tracker: RestartTracker
    var failure: String?
    /// When a failed replica is started again by itself (state `failed`); nil: only an operator's restart.
    var retryAt: Double?

    init(service: String, index: Int, policy: RestartPolicy) {
        self.service = service
        self.index = index
        tracker = RestartTracker(policy: policy)
    }

    func status(now: Double) -> JSONValue {
        let running = child != nil
        var entry: [String: JSONValue] = [
            "name": .string(service),
            "replica": .number(Double(index)),
            "pid": child.map { .number(Double($0.pid)) } ?? .null,
            "state": .string(state.rawValue),
            "restarts": .number(Double(restarts)),
            "uptime_s": running ? .number(((now - spawnedAt) * 10).rounded() / 10) : .null,
            "last_exit": lastExit?.json ?? .null,
        ]
        if let failure { entry["failure"] = .string(failure) }
        if state == .failed, let retryAt { entry["retry_in_s"] = .number(max(0, (retryAt - now).rounded(.up))) }
        if let bootID { entry["boot_id"] = .number(Double(bootID)) }
        return .object(entry)
    }
}
