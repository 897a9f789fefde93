import BloomBus
import BloomWire
import Foundation
import NIOCore

extension NetNode {
    /// `p2p.out`: frames `payload` for each target peer (escape form where negotiated); a peer that cannot take
    /// it (too large, bulk-sync type without `BULK_SYNC`, handshake not done) is skipped with a log line.
    ///
    /// `bulk` (the envelope's bulk flag: an answer to the peer's request) queues it behind the peer's relays and
    /// within its bulk budget (``NetConfiguration/bulkBytesInFlight``); anything else goes to the socket at once.
    public func send(type: MessageType, payload: [UInt8], to target: SendTarget, bulk: Bool = false) {
        onLoop {
            let now = self.clock.monotonic()
            let entries: [PeerEntry]
            switch target {
            case .one(let id): entries = self.peers[id].map { [$0] } ?? []
            case .all: entries = Array(self.peers.values)
            case .allExcept(let id): entries = self.peers.values.filter { $0.id != id }
            }
            for entry in entries where entry.connection.isEstablished {
                if bulk {
                    self.queueBulk(type: type, payload: payload, for: entry)
                } else {
                    self.perform(entry.connection.send(type: type, payload: payload, now: now), for: entry)
                }
            }
            self.scheduleFlush()
        }
    }

    /// Runs `body` on the loop: at once when already there (the bus consumer runs on it), else queued.
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }

    /// `p2p.ctl penalise`: adds misbehaviour points (10 in all disconnect and ban).
    public func penalise(_ id: PeerID, points: Int, reason: String) {
        loop.execute {
            guard let entry = self.peers[id] else { return }
            self.perform(entry.connection.penalise(points: points, reason: reason), for: entry)
        }
    }

    /// `p2p.ctl disconnect`.
    public func disconnect(_ id: PeerID, reason: String) {
        loop.execute {
            guard let entry = self.peers[id] else { return }
            self.close(entry, .requested(reason))
        }
    }

    /// `p2p.ctl ban`: bans the peer's IP (for `duration` seconds, default the ban time) and drops every
    /// connection from it.
    public func ban(_ id: PeerID, duration: Double? = nil, reason: String) {
        loop.execute {
            guard let entry = self.peers[id] else { return }
            self.ban(ip: entry.remote.host, duration: duration, reason: reason)
        }
    }

    /// Bans an IP directly (operator action, or `p2p.ctl ban` by IP), dropping its connections.
    public func ban(ip: String, duration: Double? = nil, reason: String) {
        loop.execute {
            do {
                let seconds = duration ?? self.configuration.banTime
                try self.bans.ban(ip, duration: seconds, reason: reason, now: self.clock.wall())
                NetMetrics.bans.increment()
            } catch {
                self.logger.error("ban list not saved", metadata: [NetLogKeys.error: "\(error)"])
            }
            for entry in self.peers.values where entry.remote.host == ip { self.close(entry, .banned) }
        }
    }

    /// `p2p.ctl connect`: keep this address connected (if this replica owns it).
    public func connect(to endpoint: PeerEndpoint) {
        loop.execute {
            guard self.candidates[endpoint] == nil else { return }
            self.candidates[endpoint] = DialState(nextAttempt: 0, delay: self.configuration.redialDelay)
            self.maintainOutbound(now: self.clock.monotonic())
        }
    }

    /// `chain.tip`: our height for later VERSIONs.
    public func setLocalHeight(_ height: UInt32) {
        loop.execute {
            self.localHeight = height
            for entry in self.peers.values { entry.connection.updateLocalHeight(height) }
        }
    }

    /// `svc.replicas`: bloom-net now runs `count` replicas. Later dials use the new split at once (the next
    /// outbound refill runs now, not at the next tick); established connections stay: closing a healthy peer to
    /// hand it to another replica would cost more than the imbalance.
    public func setReplicaCount(_ count: Int) {
        let count = max(1, count)
        loop.execute {
            guard count != self.replicaCount else { return }
            self.replicaCount = count
            // The count is in the message itself, not only in metadata: operators grep for "replica count N".
            self.logger.info(
                "replica count \(count)",
                metadata: [NetLogKeys.replica: "\(self.configuration.replica)", NetLogKeys.replicas: "\(count)"]
            )
            self.maintainOutbound(now: self.clock.monotonic())
        }
    }

    /// The replica count this replica splits its dials by (for tests and the `peers` answer).
    public func currentReplicaCount() -> EventLoopFuture<Int> {
        loop.submit { self.replicaCount }
    }

    /// `gossip.score`: bloom-gossip's consistency score for a peer, used when evicting.
    public func setConsistencyScore(_ id: PeerID, score: Double) {
        loop.execute { self.peers[id]?.consistencyScore = score }
    }

    /// Re-announces every established peer (another service restarted and missed the edge events).
    public func republishConnected() {
        loop.execute {
            for entry in self.peers.values where entry.announced && !entry.connection.isClosed {
                self.sink.handle(.connected(entry.snapshot, version: entry.connection.peerVersion))
            }
        }
    }

    /// The `peers` query: one row per established connection, sorted by id.
    public func peerSnapshots() -> EventLoopFuture<[PeerSnapshot]> {
        loop.submit {
            self.peers.values.filter { $0.announced && !$0.connection.isClosed }
                .sorted { $0.id < $1.id }
                .map(\.snapshot)
        }
    }

    /// The `peers` query's answer: `{"peers": [...]}` as JSON bytes.
    public func peersJSON() -> EventLoopFuture<[UInt8]> {
        peerSnapshots().flatMapThrowing { peers in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Array(try encoder.encode(["peers": peers]))
        }
    }

    /// The bans in force (Unix seconds).
    public func activeBans() -> EventLoopFuture<[BanList.Entry]> {
        loop.submit { self.bans.active(now: self.clock.wall()) }
    }
}
