import BloomServiceKit
import Foundation
import Logging

extension Supervisor {
    /// Heartbeats and query answers from the bus.
    func handleBus(_ socket: LinkSocket) {
        let now = MonotonicClock.now()
        while let frames = try? socket.receive() {
            guard frames.count == 2 else { continue }
            if frames[0] == ServiceTopics.frame(ServiceTopics.heartbeat) {
                if let beat = Heartbeat.fromJSON(frames[1]) { heartbeat(beat, now: now) }
            } else if frames[0] == ServiceTopics.frame(ServiceTopics.reply) {
                if let answer = ServiceReply.fromJSON(frames[1]) { collect(answer, now: now) }
            }
        }
    }

    private func heartbeat(_ beat: Heartbeat, now: Double) {
        // Match the pid too: a heartbeat still in flight from a killed predecessor must not make its
        // replacement look ready.
        guard let position = replicas.firstIndex(where: {
            $0.service == beat.name && $0.index == beat.replica && $0.child?.pid == beat.pid
        })
        else { return }
        replicas[position].lastHeartbeat = now
        replicas[position].bootID = beat.bootID
        if replicas[position].state == .starting && beat.state != "starting" {
            replicas[position].state = .ready
            replicas[position].readySince = now
            logger.info(
                "service ready",
                metadata: metadata(replicas[position]).merging(["bloom.ready_ms": "\(Int((now - replicas[position].spawnedAt) * 1000))"]) { $1 }
            )
        }
    }

    /// Sends a CLI question to every ready replica of `service`.
    func forward(identity: [UInt8], id: JSONValue, cmd: String, service: String, args: JSONValue) {
        let targets = Set(replicas.filter { $0.service == service && $0.state == .ready }.map(\.index))
        guard !targets.isEmpty, let publisher else {
            let known = catalog.definition(named: service) != nil
            let why = known ? "no replica is ready" : "it is not part of this node"
            reply(identity, id: id, .failure(QueryFailure("\(service) is not available (\(why))")))
            return
        }
        querySequence += 1
        let busID = "\(getpid())-\(querySequence)"
        let query = ServiceQuery(id: busID, cmd: cmd, args: args)
        do {
            try publisher.send([ServiceTopics.frame(ServiceTopics.query(service)), query.jsonBytes()], dontWait: true)
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

    private func collect(_ answer: ServiceReply, now: Double) {
        guard let position = pendingQueries.firstIndex(where: { $0.busID == answer.id }) else { return }
        guard pendingQueries[position].waitingFor.remove(answer.replica) != nil else { return }
        pendingQueries[position].answers.append(answer)
        if pendingQueries[position].waitingFor.isEmpty {
            finish(pendingQueries.remove(at: position), now: now)
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
            let message = query.answers.first?.error
                ?? "\(query.service) is not available: no answer within \(Int(PendingQuery.timeout)) s"
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
}
