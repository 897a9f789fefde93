import BloomServiceKit
import Logging

/// A rolling restart in progress (`bloom restart <service> --rolling`): the replicas of one service are restarted
/// one at a time, the next only once the previous one is ready again, so a service whose replicas share a port
/// (bloom-net) keeps accepting peers throughout.
struct RollingRestart {
    let service: String
    /// Replica indices still to restart, in order.
    var waiting: [Int]
    /// The replica being restarted and when it was asked to.
    var current: (index: Int, since: Double)?
}

extension Supervisor {
    /// Starts a rolling restart of `targets` (positions in `replicas`, all of one service).
    func beginRollingRestart(of service: String, targets: [Int]) -> Result<Void, QueryFailure> {
        if rollingRestarts.contains(where: { $0.service == service }) {
            return .failure(QueryFailure("a rolling restart of \(service) is already in progress"))
        }
        let indices = targets.map { replicas[$0].index }
        logger.notice(
            "rolling restart requested",
            metadata: [BloomLogKeys.service: "\(service)", "bloom.replicas": "\(indices.count)"]
        )
        rollingRestarts.append(RollingRestart(service: service, waiting: indices, current: nil))
        advanceRollingRestarts(now: MonotonicClock.now())
        return .success(())
    }

    /// Moves every rolling restart on: the current replica is done when a process spawned after the request is
    /// ready; a replica that fails ends the rolling restart (the rest keep running the old process).
    func advanceRollingRestarts(now: Double) {
        guard !rollingRestarts.isEmpty else { return }
        var remaining: [RollingRestart] = []
        for var rolling in rollingRestarts {
            if shuttingDown { continue }
            if let current = rolling.current {
                guard
                    let position = replicas.firstIndex(where: {
                        $0.service == rolling.service && $0.index == current.index
                    })
                else {
                    rolling.current = nil  // scaled away meanwhile
                    remaining.append(rolling)
                    continue
                }
                let replica = replicas[position]
                if replica.state == .failed {
                    logger.error(
                        "rolling restart stopped: a restarted replica failed; the others keep their old process",
                        metadata: metadata(replica).merging(
                            ["bloom.not_restarted": "\(rolling.waiting)"]
                        ) { $1 }
                    )
                    continue
                }
                guard replica.state == .ready, replica.spawnedAt >= current.since else {
                    remaining.append(rolling)
                    continue
                }
                logger.notice("rolling restart: replica ready again", metadata: metadata(replica))
                rolling.current = nil
            }
            guard let next = rolling.waiting.first else {
                logger.notice("rolling restart done", metadata: [BloomLogKeys.service: "\(rolling.service)"])
                continue
            }
            rolling.waiting.removeFirst()
            if let position = replicas.firstIndex(where: { $0.service == rolling.service && $0.index == next }) {
                rolling.current = (next, now)
                restartReplica(at: position, now: now)
            }
            remaining.append(rolling)
        }
        rollingRestarts = remaining
    }

    /// Restarts one replica: a running one is stopped and started again, a stopped or failed one is started.
    func restartReplica(at position: Int, now: Double) {
        logger.notice("restart requested", metadata: metadata(replicas[position]))
        switch replicas[position].state {
        case .starting, .ready, .stopping:
            stop(at: position, then: .restart, now: now)
        case .backoff, .failed, .stopped:
            replicas[position].tracker.reset()
            replicas[position].failure = nil
            replicas[position].retryAt = nil
            replicas[position].restarts += 1
            spawn(at: position, now: now)
        }
    }
}
