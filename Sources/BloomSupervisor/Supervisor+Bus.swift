import BloomBus
import BloomServiceKit
import Foundation
import Logging

extension Supervisor {
    /// Publishes the supervisor's own heartbeat when due.
    func beatIfDue(now: Double) {
        guard now >= nextOwnBeat, let publisher else { return }
        nextOwnBeat = now + Self.ownBeatInterval
        ownBeatSequence += 1
        let beat = Heartbeat(
            service: SupervisorWatch.supervisorName,
            replica: 0,
            pid: UInt32(getpid()),
            bootID: sender.bootID,
            state: shuttingDown ? .stopping : .ready
        )
        _ = try? publisher.send(ServiceWire.frames(beat, sender: sender, sequence: ownBeatSequence), nonBlocking: true)
        // With every beat: a replica that missed the edge after `bloom scale` is repaired within a beat.
        publishReplicaCounts()
    }

    /// How many replicas each service runs: those not being removed by a scale down, at least 1 (what
    /// `BLOOM_REPLICAS` says at spawn, kept current while the replicas run).
    func replicaCounts() -> ServiceReplicas {
        var counts: [String: Int] = [:]
        for replica in replicas where !(replica.state == .stopping && replica.afterStop == .remove) {
            counts[replica.service, default: 0] += 1
        }
        return ServiceReplicas(counts: counts.mapValues { UInt8(min(max(1, $0), Int(ServiceReplicas.maxReplicas))) })
    }

    /// Publishes `svc.replicas` now: after `bloom scale`, with each own heartbeat, and in answer to `svc.hello`.
    func publishReplicaCounts() {
        guard let publisher else { return }
        replicasSequence += 1
        let frames = ServiceWire.frames(replicaCounts(), sender: sender, sequence: replicasSequence)
        _ = try? publisher.send(frames, nonBlocking: true)
    }

    /// Heartbeats and query answers from the bus.
    func handleBus(_ socket: ZMQSocket) {
        let now = MonotonicClock.now()
        while let frames = try? socket.receive(nonBlocking: true) {
            if frames.first == Topic.serviceHello.frame {
                // A service that just joined the bus learns the replica counts at once (ServiceHello).
                publishReplicaCounts()
                continue
            }
            if frames.first == Topic.serviceMetrics.frame {
                storeMetrics(frames)
                continue
            }
            switch ServiceWire.decode(frames) {
            case .heartbeat(let beat): heartbeat(beat, now: now)
            case .reply(let answer): collect(answer, now: now)
            case .query, nil: break
            }
        }
    }

    /// A replica's `svc.metrics` snapshot goes to the board as it is (parsed only when scraped). The sender is
    /// matched by replica index and boot id, the identity its heartbeats gave, so a snapshot from a killed
    /// predecessor or from a stranger on the bus is dropped.
    private func storeMetrics(_ frames: [[UInt8]]) {
        guard let message = try? BusMessage(frames: frames), let metrics = try? message.decode(ServiceMetrics.self)
        else { return }
        let sender = message.envelope.sender
        guard
            let replica = replicas.first(where: {
                $0.index == Int(sender.replica) && $0.bootID == sender.bootID && $0.child != nil
            })
        else { return }
        // Facts first: the board keeps a snapshot only from the process it knows as the replica's.
        publishBoardFacts(now: MonotonicClock.now(), force: board.replicas.first {
            $0.service == replica.service && $0.replica == replica.index
        }?.bootID != sender.bootID)
        board.store(service: replica.service, replica: replica.index, bootID: sender.bootID, text: metrics.text)
    }

    /// Refreshes the board's replica facts, at most every 0.25 s unless `force`d.
    func publishBoardFacts(now: Double, force: Bool = false) {
        guard force || now - boardUpdatedAt >= 0.25 else { return }
        boardUpdatedAt = now
        board.update(
            replicas: replicas.map {
                MetricsBoard.ReplicaFacts(
                    service: $0.service,
                    replica: $0.index,
                    up: $0.state == .ready && $0.child != nil,
                    restarts: $0.restarts,
                    bootID: $0.child == nil ? nil : $0.bootID
                )
            }
        )
    }

    private func heartbeat(_ beat: Heartbeat, now: Double) {
        if beat.service == SupervisorWatch.supervisorName && beat.pid == UInt32(getpid())
            && beat.bootID == sender.bootID
        {
            ownBeatEchoed(now: now)
            return
        }
        // Match the pid too: a heartbeat still in flight from a killed predecessor must not make its
        // replacement look ready.
        guard
            let position = replicas.firstIndex(where: {
                $0.service == beat.service && $0.index == Int(beat.replica)
                    && $0.child.map { UInt32($0.pid) } == beat.pid
            })
        else {
            noteRemote(beat, now: now)
            return
        }
        replicas[position].lastHeartbeat = now
        replicas[position].bootID = beat.bootID
        if replicas[position].state == .starting && beat.state != .starting {
            replicas[position].state = .ready
            replicas[position].readySince = now
            logger.info(
                "service ready",
                metadata: metadata(replicas[position]).merging([
                    "bloom.ready_ms": "\(Int((now - replicas[position].spawnedAt) * 1000))"
                ]) { $1 }
            )
        }
    }

    /// The envelope sequence of the next query on `svc.query.<service>`: sequences count per topic.
    private func nextQuerySequence(_ service: String) -> UInt64 {
        querySequences[service, default: 0] += 1
        return querySequences[service, default: 0]
    }

    /// Sends a CLI question to every ready replica of `service` on the bus: this supervisor's own, and those that
    /// other supervisors run (another host's bloom-net answers `peers` here too). Replies are matched by the
    /// answering process's boot id, and the query id carries this supervisor's boot id, so two supervisors on one
    /// bus never take each other's answers.
    func forward(identity: [[UInt8]], id: JSONValue, cmd: String, service: String, args: JSONValue) {
        var targets: [UInt32: Int] = remoteResponders(of: service)
        for replica in replicas where replica.service == service && replica.state == .ready {
            if let bootID = replica.bootID { targets[bootID] = replica.index }
        }
        guard !targets.isEmpty, let publisher else {
            let known = catalog.definition(named: service) != nil
            let failure = replicas.first { $0.service == service && $0.failure != nil }?.failure
            let why = known ? (failure ?? "no replica is ready") : "it is not part of this node"
            reply(identity, id: id, .failure(QueryFailure("\(service) is not available (\(why))")))
            return
        }
        querySequence += 1
        let busID = UInt64(sender.bootID) << 32 | UInt64(UInt32(truncatingIfNeeded: querySequence))
        let query = QueryMessage(id: busID, cmd: cmd, args: args)
        do {
            guard
                let frames = ServiceWire.frames(
                    query,
                    to: service,
                    sender: sender,
                    sequence: nextQuerySequence(service)
                )
            else {
                throw ZMQError(code: .invalid, operation: "topic svc.query.\(service)")
            }
            try publisher.send(frames, nonBlocking: true)
        } catch {
            reply(identity, id: id, .failure(QueryFailure("cannot ask \(service): \(error)")))
            return
        }
        pendingQueries.append(
            PendingQuery(
                identity: identity,
                requestID: id,
                cmd: cmd,
                service: service,
                busID: busID,
                waitingFor: targets,
                deadline: MonotonicClock.now() + PendingQuery.timeout
            )
        )
    }

    private func collect(_ answer: ReplyMessage, now: Double) {
        guard let position = pendingQueries.firstIndex(where: { $0.busID == answer.id }) else { return }
        guard pendingQueries[position].waitingFor.removeValue(forKey: answer.bootID) != nil else { return }
        pendingQueries[position].answers.append(answer)
        if pendingQueries[position].waitingFor.isEmpty {
            finish(pendingQueries.remove(at: position), now: now)
        }
    }

    /// A replica that exited will not answer: stop waiting for it, and answer at once if it was the last one.
    func abandonQueries(bootID: UInt32, now: Double) {
        var position = 0
        while position < pendingQueries.count {
            if pendingQueries[position].waitingFor.removeValue(forKey: bootID) != nil,
                pendingQueries[position].waitingFor.isEmpty
            {
                finish(pendingQueries.remove(at: position), now: now)
                continue
            }
            position += 1
        }
    }

    func expireQueries(now: Double) {
        let expired = pendingQueries.filter { now >= $0.deadline }
        pendingQueries.removeAll { now >= $0.deadline }
        for query in expired { finish(query, now: now) }
    }

    /// Answers the CLI with what arrived: `peers` lists are concatenated, other commands take the first success.
    func finish(_ query: PendingQuery, now: Double) {
        let successes = query.answers.filter(\.ok).sorted { $0.replica < $1.replica }
        guard let first = successes.first else {
            let message =
                query.answers.first?.error
                ?? "\(query.service) is not available: no replica answered (the wait is \(Int(PendingQuery.timeout)) s)"
            reply(query.identity, id: query.requestID, .failure(QueryFailure(message)))
            return
        }
        guard query.cmd == "peers", successes.count > 1 else {
            reply(query.identity, id: query.requestID, .success(first.result ?? .null))
            return
        }
        var merged: [String: JSONValue] = [:]
        if case .object(let members) = first.result ?? .null { merged = members }
        merged["peers"] = .array(successes.flatMap { $0.result?["peers"]?.arrayValue ?? [] })
        reply(query.identity, id: query.requestID, .success(.object(merged)))
    }

    /// How long the supervisor's own heartbeat may fail to come back before the bus counts as unreachable (its beats
    /// go out every second).
    static let busSilenceLimit = 3.5

    /// Whether the bus is another host's (tcp), whose link can fail while this supervisor runs.
    var busIsRemote: Bool { configuration.busPub.hasPrefix("tcp://") || configuration.busSub.hasPrefix("tcp://") }

    /// Whether the bus delivers: the supervisor's own heartbeat came back recently. While it does not, children's
    /// silence says nothing about them (a remote bus's link is down, or the forwarder is stuck), so nobody is
    /// killed for it: restarting healthy services in a loop would not bring the link back.
    func busDelivers(now: Double) -> Bool {
        // The local forwarder runs in this process: only another host's bus can be away while we run.
        guard busIsRemote else { return true }
        if !busOutage && now - lastOwnEcho > Self.busSilenceLimit {
            busOutage = true
            logger.warning(
                "bus unreachable: no heartbeat comes back through it; services are not restarted for silence until it does",
                metadata: ["bloom.bus": "\(configuration.busPub) / \(configuration.busSub)"]
            )
        }
        return !busOutage
    }

    private func ownBeatEchoed(now: Double) {
        lastOwnEcho = now
        guard busOutage else { return }
        busOutage = false
        busRecoveredAt = now
        guard busIsRemote else { return }
        if busEverDelivered {
            logger.notice("bus reachable again: heartbeat checks resume")
        } else {
            logger.info("bus reachable: this supervisor's heartbeat comes back through it")
        }
        busEverDelivered = true
    }

    /// A tcp bus (another host's) that has delivered nothing for a while is dialed again: libzmq does not retry a
    /// connection the forwarder's CURVE handler refused, so a supervisor authorized after it first knocked would
    /// otherwise stay out until restarted.
    func redialIfSilent(now: Double) {
        guard busIsRemote, busOutage, now - max(lastOwnEcho, busDialedAt) > BusLinkTimeouts.redialAfterSilence,
            let publisher, let subscriber
        else { return }
        busDialedAt = now
        logger.notice("bus silent: dialing it again", metadata: ["bloom.bus": "\(configuration.busPub)"])
        for (socket, endpoint) in [(publisher, configuration.busPub), (subscriber, configuration.busSub)] {
            try? socket.disconnect(endpoint)
            try? socket.connect(endpoint)
        }
    }
}
