import BloomBus
import BloomServiceKit
import Logging

/// A service replica on the bus that another supervisor runs (on another host, or on another data directory of
/// this one), known only from its heartbeats.
struct RemoteReplica {
    var heartbeat: Heartbeat
    var firstSeen: Double
    var lastSeen: Double
}

extension Supervisor {
    /// A remote replica unheard for this long is forgotten (heartbeats come every second).
    static let remoteExpiry = 5.0
    /// Exited children whose pids are remembered, so that a heartbeat still in flight from one is not taken for a
    /// remote service.
    static let recentPidLimit = 64

    /// Records a heartbeat that matches none of this supervisor's children.
    func noteRemote(_ beat: Heartbeat, now: Double) {
        if beat.service == SupervisorWatch.supervisorName { return }
        if beat.host == Heartbeat.localHost && recentChildPids.contains(beat.pid) { return }
        if replicas.contains(where: { $0.child.map { UInt32($0.pid) } == beat.pid }) && beat.host == Heartbeat.localHost {
            return  // a child of ours still starting, beating before its link learnt its identity
        }
        let key = "\(beat.service)#\(beat.bootID)"
        if remoteReplicas[key] == nil {
            logger.info(
                "a service of another supervisor is on the bus",
                metadata: [
                    BloomLogKeys.service: "\(beat.service)", "bloom.replica": "\(beat.replica)",
                    "bloom.host": "\(beat.host)", BloomLogKeys.pid: "\(beat.pid)",
                ]
            )
            remoteReplicas[key] = RemoteReplica(heartbeat: beat, firstSeen: now, lastSeen: now)
        } else {
            remoteReplicas[key]?.heartbeat = beat
            remoteReplicas[key]?.lastSeen = now
        }
    }

    /// Forgets remote replicas that have gone quiet.
    func pruneRemote(now: Double) {
        guard !remoteReplicas.isEmpty else { return }
        for (key, remote) in remoteReplicas where now - remote.lastSeen > Self.remoteExpiry {
            remoteReplicas[key] = nil
            logger.info(
                "a service of another supervisor left the bus",
                metadata: [BloomLogKeys.service: "\(remote.heartbeat.service)", "bloom.host": "\(remote.heartbeat.host)"]
            )
        }
    }

    /// Notes the pid of a child that exited (bounded).
    func rememberExited(pid: Int32) {
        recentChildPids.append(UInt32(pid))
        if recentChildPids.count > Self.recentPidLimit { recentChildPids.removeFirst() }
    }

    /// `bloom status` entries of the remote replicas: the same fields as local ones where they are known, plus
    /// `host` and `remote: true`.
    func remoteStatus(now: Double) -> [JSONValue] {
        remoteReplicas.values.sorted { ($0.heartbeat.service, $0.heartbeat.host, $0.heartbeat.replica) < ($1.heartbeat.service, $1.heartbeat.host, $1.heartbeat.replica) }
            .map { remote in
                let beat = remote.heartbeat
                return .object([
                    "name": .string(beat.service),
                    "replica": .number(Double(beat.replica)),
                    "pid": .number(Double(beat.pid)),
                    "state": .string(beat.state.rawValue),
                    "restarts": .null,
                    "uptime_s": .null,
                    "last_exit": .null,
                    "boot_id": .number(Double(beat.bootID)),
                    "host": .string(beat.host),
                    "remote": .bool(true),
                    "seen_s": .number(((now - remote.firstSeen) * 10).rounded() / 10),
                ])
            }
    }

    /// Boot ids of the ready remote replicas of `service`, which answer its queries too.
    func remoteResponders(of service: String) -> [UInt32: Int] {
        var responders: [UInt32: Int] = [:]
        for remote in remoteReplicas.values where remote.heartbeat.service == service && remote.heartbeat.state == .ready {
            responders[remote.heartbeat.bootID] = Int(remote.heartbeat.replica)
        }
        return responders
    }
}
