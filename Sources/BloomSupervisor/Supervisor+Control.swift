import BloomBus
import BloomServiceKit
import Foundation
import Logging

/// The control protocol (DESIGN.md, "Control protocol"): the CLI's DEALER sends one frame of JSON
/// `{id, cmd, args}`; the supervisor's ROUTER answers `{id, ok, result}` or `{id, ok: false, error}`.
///
/// | cmd | args | result |
/// | --- | --- | --- |
/// | `status` | – | `{services: [{name, replica, pid, state, restarts, uptime_s, last_exit}]}` |
/// | `restart` | `{service, replica?, rolling?}` | `{restarted: [{name, replica}], rolling?}`: with `rolling`, one replica at a time, each after the previous is ready again |
/// | `scale` | `{service, replicas}` | `{name, replicas}` |
/// | `stop` | – | `{stopping: true}` |
/// | `peers` → bloom-net | – | `{peers: [...]}`, every ready replica's list concatenated |
/// | `chain` → bloom-sync | – | `{height, tip, syncing, …}` |
/// | `coherence` → bloom-gossip | – | `{local: {r, psi}, network: {r, psi}, peers: [...], mining, …}` |
/// | `tx.submit` → bloom-sync | `{hex}` (lower-case hex of the serialized transaction) | the service's answer |
/// | `block` → bloom-sync | `{id}` (a block hash or a height) | the block's index fields and hex bytes |
/// | `mempool` → bloom-sync | – | `{count, bytes, txids}` |
/// | `integrity` → bloom-sync | – | `{ok, problems}`: SQLite's integrity_check of the chain store |
///
/// Anything else (undecodable JSON, unknown cmd, bad args) → `ok: false` with the reason.
enum ControlCommand {
    /// Which service answers each forwarded question.
    static let forwarded: [String: String] = [
        "peers": "bloom-net", "chain": "bloom-sync", "coherence": "bloom-gossip", "tx.submit": "bloom-sync",
        "block": "bloom-sync", "mempool": "bloom-sync", "integrity": "bloom-sync",
    ]
}

/// A service question waiting for its replicas' answers.
struct PendingQuery {
    /// The CLI's routing frames (identity, and the empty delimiter of a REQ client) and request id.
    let identity: [[UInt8]]
    let requestID: JSONValue
    let cmd: String
    let service: String
    /// The id used on the bus.
    let busID: UInt64
    /// Replicas asked and not answered yet: boot id → replica index.
    var waitingFor: [UInt32: Int]
    var answers: [ReplyMessage] = []
    let deadline: Double

    /// How long the supervisor waits for a service's answer.
    static let timeout = 5.0
}

extension Supervisor {
    func handleControl(_ socket: ZMQSocket) {
        while let frames = try? socket.receive(nonBlocking: true) {
            guard frames.count >= 2, let payload = frames.last else { continue }
            // Everything before the payload routes the answer back: the DEALER's identity, plus the empty
            // delimiter when the client is a REQ socket.
            let identity = Array(frames.dropLast())
            let request: ControlRequest
            switch ControlRequest.parse(payload) {
            case .success(let parsed):
                request = parsed
            case .failure(let failure):
                reply(identity, id: failure.id, .failure(QueryFailure(failure.reason)))
                continue
            }
            let (id, cmd, args) = (request.id, request.cmd, request.args)
            logger.debug("control request", metadata: [BloomLogKeys.request: "\(cmd)"])
            if let service = ControlCommand.forwarded[cmd] {
                forward(identity: identity, id: id, cmd: cmd, service: service, args: args)
                continue
            }
            switch cmd {
            case "status": reply(identity, id: id, .success(status()))
            case "restart": reply(identity, id: id, restart(args))
            case "scale": reply(identity, id: id, scale(args))
            case "reload": reply(identity, id: id, reload())
            case "stop":
                reply(identity, id: id, .success(.object(["stopping": .bool(true)])))
                logger.notice("stop requested over the control socket")
                beginShutdown()
            default: reply(identity, id: id, .failure(QueryFailure("unknown command '\(cmd)'")))
            }
        }
    }

    func reply(_ identity: [[UInt8]], id: JSONValue, _ result: Result<JSONValue, QueryFailure>) {
        var answer: [String: JSONValue] = ["id": id]
        switch result {
        case .success(let value):
            answer["ok"] = .bool(true)
            answer["result"] = value
        case .failure(let failure):
            answer["ok"] = .bool(false)
            answer["error"] = .string(failure.message)
        }
        // A CLI that has gone away makes the ROUTER drop the answer, which is what we want.
        _ = try? control?.send(identity + [Array(JSONValue.object(answer).encoded().utf8)], nonBlocking: true)
    }

    func status() -> JSONValue {
        let now = MonotonicClock.now()
        let order = catalog.definitions.map(\.name)
        let sorted = replicas.sorted {
            ((order.firstIndex(of: $0.service) ?? 0), $0.index) < ((order.firstIndex(of: $1.service) ?? 0), $1.index)
        }
        let local = sorted.map { entry -> JSONValue in
            guard case .object(var fields) = entry.status(now: now) else { return entry.status(now: now) }
            fields["host"] = .string(Heartbeat.localHost)
            return .object(fields)
        }
        return .object(["services": .array(local + remoteStatus(now: now))])
    }

    private func service(from args: JSONValue) -> Result<ServiceDefinition, QueryFailure> {
        guard let name = args["service"]?.stringValue else { return .failure(QueryFailure("args.service is missing")) }
        guard let definition = catalog.definition(named: name) else {
            let known = catalog.definitions.map(\.name).joined(separator: ", ")
            return .failure(QueryFailure("unknown service '\(name)' (known: \(known))"))
        }
        return .success(definition)
    }

    func restart(_ args: JSONValue) -> Result<JSONValue, QueryFailure> {
        let definition: ServiceDefinition
        switch service(from: args) {
        case .success(let found): definition = found
        case .failure(let failure): return .failure(failure)
        }
        if shuttingDown { return .failure(QueryFailure("the node is stopping")) }
        let wanted = args["replica"]?.numberValue.map { Int($0) }
        let targets = replicas.indices.filter {
            replicas[$0].service == definition.name && (wanted == nil || replicas[$0].index == wanted)
        }
        if targets.isEmpty {
            return .failure(QueryFailure("\(definition.name) has no replica \(wanted.map(String.init) ?? "")"))
        }
        let restarted = targets.map {
            JSONValue.object(["name": .string(definition.name), "replica": .number(Double(replicas[$0].index))])
        }
        if args["rolling"]?.boolValue == true {
            if case .failure(let failure) = beginRollingRestart(of: definition.name, targets: targets) {
                return .failure(failure)
            }
            return .success(.object(["restarted": .array(restarted), "rolling": .bool(true)]))
        }
        let now = MonotonicClock.now()
        for position in targets { restartReplica(at: position, now: now) }
        return .success(.object(["restarted": .array(restarted)]))
    }

    func scale(_ args: JSONValue) -> Result<JSONValue, QueryFailure> {
        let definition: ServiceDefinition
        switch service(from: args) {
        case .success(let found): definition = found
        case .failure(let failure): return .failure(failure)
        }
        guard let wantedNumber = args["replicas"]?.numberValue, wantedNumber.rounded() == wantedNumber,
            (1...64).contains(wantedNumber)
        else {
            return .failure(QueryFailure("args.replicas must be an integer from 1 to 64"))
        }
        if shuttingDown { return .failure(QueryFailure("the node is stopping")) }
        let wanted = Int(wantedNumber)
        let current = replicas.filter {
            $0.service == definition.name && !($0.state == .stopping && $0.afterStop == .remove)
        }
        if wanted != current.count && !definition.scalable {
            return .failure(QueryFailure("\(definition.name) cannot be scaled (scalable = false in its definition)"))
        }
        let now = MonotonicClock.now()
        if wanted > current.count {
            let used = Set(replicas.filter { $0.service == definition.name }.map(\.index))
            var index = 0
            // Every new replica is listed before the first starts, so each sees the final count (BLOOM_REPLICAS).
            let first = replicas.count
            for _ in current.count..<wanted {
                while used.contains(index)
                    || replicas.contains(where: { $0.service == definition.name && $0.index == index })
                { index += 1 }
                replicas.append(Replica(service: definition.name, index: index, policy: definition.restart))
            }
            for position in first..<replicas.count { spawn(at: position, now: now) }
        } else if wanted < current.count {
            let victims = current.map(\.index).sorted().suffix(current.count - wanted)
            for position in replicas.indices
            where replicas[position].service == definition.name && victims.contains(replicas[position].index)
                && replicas[position].child != nil
            {
                stop(at: position, then: .remove, now: now)
            }
            // Replicas without a process (back-off, failed) have nothing to stop.
            replicas.removeAll { $0.service == definition.name && victims.contains($0.index) && $0.child == nil }
        }
        // Running replicas learn the new count at once (bloom-net re-splits its dials without restarting).
        publishReplicaCounts()
        logger.notice(
            "service scaled",
            metadata: [BloomLogKeys.service: "\(definition.name)", "bloom.replicas": "\(wanted)"]
        )
        return .success(.object(["name": .string(definition.name), "replicas": .number(Double(wanted))]))
    }
}
