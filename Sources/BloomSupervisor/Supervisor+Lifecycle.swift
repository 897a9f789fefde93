import BloomServiceKit
import Foundation
import Logging

extension Supervisor {
    func definition(of replica: Replica) -> ServiceDefinition? {
        catalog.definitions.first { $0.name == replica.service }
    }

    func metadata(_ replica: Replica) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            BloomLogKeys.service: "\(replica.service)", BloomLogKeys.replica: "\(replica.index)",
        ]
        if let pid = replica.child?.pid { metadata[BloomLogKeys.pid] = "\(pid)" }
        return metadata
    }

    /// Starts replica `position` now.
    func spawn(at position: Int, now: Double) {
        guard let definition = definition(of: replicas[position]) else { return }
        let index = replicas[position].index
        var environment = ProcessInfo.processInfo.environment
        environment[ParentWatch.supervisorPIDVariable] = String(getpid())
        environment["BLOOM_SERVICE_NAME"] = definition.name
        // How many replicas share the work (bloom-net splits its outbound dials by it): those not being removed.
        let replicaCount = replicas.filter {
            $0.service == definition.name && !($0.state == .stopping && $0.afterStop == .remove)
        }.count
        environment["BLOOM_REPLICAS"] = String(max(1, replicaCount))
        for pair in definition.environment {
            // Safe: definitions are checked to hold '=' (ServiceDefinition parsing).
            let split = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment[String(split[0])] = split.count > 1 ? String(split[1]) : ""
        }
        let arguments = definition.arguments + configuration.childArguments(replica: index)
        do {
            let child = try ChildProcess.spawn(
                path: executable(of: definition),
                arguments: arguments,
                environment: environment.map { "\($0.key)=\($0.value)" }
            )
            replicas[position].child = child
            replicas[position].pump = LogPump(
                prefix: "\(definition.name)/\(index)",
                logFile: "\(configuration.logDirectory)/\(definition.name)-\(index).log"
            )
            replicas[position].state = .starting
            replicas[position].spawnedAt = now
            replicas[position].readySince = nil
            replicas[position].lastHeartbeat = now
            replicas[position].bootID = nil
            replicas[position].killReason = nil
            replicas[position].afterStop = .stay
            logger.info("service started", metadata: metadata(replicas[position]))
        } catch {
            logger.error(
                "service cannot start",
                metadata: metadata(replicas[position]).merging([BloomLogKeys.error: "\(error)"]) { $1 }
            )
            replicas[position].lastExit = ExitRecord(status: .exited(127), reason: "\(error)", at: Date())
            scheduleRestart(at: position, exit: .exited(127), now: now)
        }
    }

    /// Sends SIGTERM and arms the SIGKILL deadline.
    func stop(at position: Int, then after: AfterStop, now: Double) {
        replicas[position].afterStop = after
        guard let child = replicas[position].child else {
            finishStopped(at: position, now: now)
            return
        }
        if replicas[position].state != .stopping {
            replicas[position].state = .stopping
            replicas[position].deadline = now + (definition(of: replicas[position])?.stopTimeout ?? 10)
            kill(child.pid, SIGTERM)
            logger.info("stopping service", metadata: metadata(replicas[position]))
        }
    }

    /// SIGKILL now, remembering why for `last_exit`.
    func forceKill(at position: Int, reason: String) {
        guard let child = replicas[position].child else { return }
        replicas[position].killReason = reason
        kill(child.pid, SIGKILL)
        logger.warning(
            "killing service",
            metadata: metadata(replicas[position]).merging(["bloom.reason": "\(reason)"]) { $1 }
        )
    }

    /// Reaps every child that has exited and decides what follows.
    func reapChildren() {
        let now = MonotonicClock.now()
        var position = 0
        while position < replicas.count {
            if let child = replicas[position].child, let status = ChildProcess.reap(child.pid) {
                if !replicas[position].outputClosed {
                    _ = replicas[position].pump?.drain(child.outputFD)
                    close(child.outputFD)
                }
                replicas[position].outputClosed = false
                replicas[position].pump?.close()
                replicas[position].pump = nil
                replicas[position].child = nil
                let reason = replicas[position].killReason ?? Self.describe(status)
                replicas[position].lastExit = ExitRecord(status: status, reason: reason, at: Date())
                var meta = metadata(replicas[position])
                meta[BloomLogKeys.pid] = "\(child.pid)"
                meta["bloom.reason"] = "\(reason)"
                logger.info("service exited", metadata: meta)
                rememberExited(pid: child.pid)
                if let bootID = replicas[position].bootID { abandonQueries(bootID: bootID, now: now) }
                if replicas[position].state == .stopping || shuttingDown {
                    if finishStopped(at: position, now: now) { continue }
                } else {
                    scheduleRestart(at: position, exit: status, now: now)
                }
            }
            position += 1
        }
    }

    /// A replica that was being stopped has exited. Returns true when it was removed from `replicas`.
    @discardableResult
    func finishStopped(at position: Int, now: Double) -> Bool {
        switch shuttingDown ? .stay : replicas[position].afterStop {
        case .restart:
            replicas[position].tracker.reset()
            replicas[position].failure = nil
            replicas[position].retryAt = nil
            replicas[position].restarts += 1
            spawn(at: position, now: now)
        case .remove:
            logger.info("replica removed", metadata: metadata(replicas[position]))
            replicas.remove(at: position)
            return true
        case .stay:
            replicas[position].state = .stopped
        }
        return false
    }

    func scheduleRestart(at position: Int, exit: ExitStatus, now: Double) {
        let decision = replicas[position].tracker.decide(
            exit: exit,
            readySince: replicas[position].readySince,
            now: now
        )
        switch decision {
        case .restart(let delay):
            replicas[position].state = .backoff
            replicas[position].deadline = now + delay
            logger.info(
                "restart scheduled",
                metadata: metadata(replicas[position]).merging([BloomLogKeys.delayMs: "\(Int(delay * 1000))"]) { $1 }
            )
        case .fail(let reason, let retryAfter):
            replicas[position].state = .failed
            replicas[position].failure = reason
            replicas[position].retryAt = retryAfter.map { now + $0 }
            // Loud on purpose: an operator should look (`bloom restart` clears it), the others keep running.
            var details = ["bloom.reason": Logger.MetadataValue.string(reason)]
            if let retryAfter { details[BloomLogKeys.delayMs] = "\(Int(retryAfter * 1000))" }
            logger.critical(
                retryAfter == nil
                    ? "SERVICE FAILED: not restarting it; `bloom restart` clears this"
                    : "SERVICE FAILED: trying again after the delay; `bloom restart` clears this now",
                metadata: metadata(replicas[position]).merging(details) { $1 }
            )
        case .stay(let reason):
            replicas[position].state = .stopped
            logger.notice(
                "service not restarted",
                metadata: metadata(replicas[position]).merging(["bloom.reason": "\(reason)"]) { $1 }
            )
        }
    }

    static func describe(_ status: ExitStatus) -> String {
        switch status {
        case .exited(0): "exited with code 0"
        case .exited(78): "exited with code 78 (permanent failure)"
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        }
    }

    /// Back-off endings, stop timeouts, hung and readiness checks, query timeouts, shutdown progress.
    func handleTimers(now: Double) {
        let busDelivers = busDelivers(now: now)
        for position in replicas.indices {
            let replica = replicas[position]
            guard let definition = definition(of: replica) else { continue }
            switch replica.state {
            case .backoff where now >= replica.deadline && !shuttingDown:
                replicas[position].restarts += 1
                spawn(at: position, now: now)
            case .failed where replica.retryAt.map { now >= $0 } == true && !shuttingDown:
                logger.notice(
                    "retrying a failed service",
                    metadata: metadata(replica).merging(["bloom.reason": "\(replica.failure ?? "")"]) { $1 }
                )
                replicas[position].tracker.reset()
                replicas[position].failure = nil
                replicas[position].retryAt = nil
                replicas[position].restarts += 1
                spawn(at: position, now: now)
            case .stopping where now >= replica.deadline && replica.child != nil && replica.killReason == nil:
                forceKill(at: position, reason: "did not stop within \(definition.stopTimeout) s of SIGTERM")
            // Silence is only held against a replica while the bus delivers, and counts from the bus's return.
            case .ready
            where busDelivers && now - max(replica.lastHeartbeat, busRecoveredAt) > definition.heartbeatTimeout
                && replica.killReason == nil:
                forceKill(at: position, reason: "hung: no heartbeat for \(definition.heartbeatTimeout) s")
            case .starting
            where busDelivers && now - max(replica.spawnedAt, busRecoveredAt) > definition.readinessTimeout
                && replica.killReason == nil:
                forceKill(at: position, reason: "not ready within \(definition.readinessTimeout) s")
            default: break
            }
        }
        expireQueries(now: now)
        pruneRemote(now: now)
        redialIfSilent(now: now)
        beatIfDue(now: now)
        publishBoardFacts(now: now)
        if shuttingDown { advanceShutdown(now: now) }
    }

    /// Starts the ordered stop (SIGTERM, SIGINT, or `bloom stop`).
    func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        advanceShutdown(now: MonotonicClock.now())
    }

    /// Stops the group with the lowest stop order that still has processes; later groups wait for it.
    func advanceShutdown(now: Double) {
        for position in replicas.indices where replicas[position].child == nil {
            replicas[position].state = .stopped
        }
        let running = replicas.filter { $0.child != nil }
        guard let order = running.compactMap({ definition(of: $0)?.stopOrder }).min() else { return }
        for position in replicas.indices
        where replicas[position].child != nil && replicas[position].state != .stopping
            && definition(of: replicas[position])?.stopOrder == order
        {
            stop(at: position, then: .stay, now: now)
        }
    }
}
