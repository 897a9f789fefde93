import BloomCore
import BloomWire

/// A new best tip (`chain.tip`). The miner needs only the height and hash; the engine recognises the block built
/// on its own seal by the parent and certificate hashes, which are nil where a caller (a benchmark, the miner's
/// tests) has no block behind the tip.
public struct TipUpdate: Hashable, Sendable {
    /// The tip's height.
    public var height: UInt64
    /// The tip's block hash.
    public var hash: Hash256
    /// Its parent's hash, when known.
    public var prevHash: Hash256?
    /// SHA-256 of the tip block's certificate (``ConsensusCertificate/digest``), when known.
    public var certificateHash: Hash256?

    /// A tip with every field given.
    public init(height: UInt64, hash: Hash256, prevHash: Hash256? = nil, certificateHash: Hash256? = nil) {
        self.height = height
        self.hash = hash
        self.prevHash = prevHash
        self.certificateHash = certificateHash
    }
}

/// bloom-gossip's peer-facing state machine: peers' phase states and scores, the sharing strategy, BLOOM
/// handling and the announcement of our own seals. Events in, `GossipAction`s out; one owner, no I/O, time
/// passed in by the caller.
public struct GossipEngine: Sendable {
    /// The settings.
    public let configuration: GossipConfiguration
    /// Every peer heard from or announced, until it goes.
    public internal(set) var peers: [GossipPeer: PeerRecord] = [:]
    /// The sharing state machine.
    public internal(set) var sharing: PhaseSharing
    /// Valid BLOOM payloads already handled.
    public internal(set) var seenCertificates = SeenCertificates()
    /// Our last seal, announced as BLOOM once its block is the tip.
    public private(set) var pendingSeal: SealedBlock?
    private var lastScorePublish: Double?
    /// PHASE states accepted since the network view was last mixed into the ensemble: an unchanged view is not
    /// mixed in again (that would drag the ensemble toward stale phases every second).
    var phasesSinceIncorporation = 0

    /// An engine with no peers.
    public init(configuration: GossipConfiguration) {
        self.configuration = configuration
        self.sharing = PhaseSharing(strategy: configuration.strategy, configuration: configuration.sharing)
    }

    // MARK: peers

    /// bloom-net reported a connection (`p2p.peer` connected).
    public mutating func peerConnected(_ peer: GossipPeer, address: String?, now: Double) {
        if peers[peer] == nil {
            peers[peer] = PeerRecord(
                address: address,
                now: now,
                phaseLimit: configuration.phaseLimit,
                bloomLimit: configuration.bloomLimit
            )
        } else if let address {
            peers[peer]?.address = address
        }
    }

    /// bloom-net reported the connection gone.
    public mutating func peerGone(_ peer: GossipPeer) {
        peers[peer] = nil
        sharing.peerGone(peer)
    }

    /// A bloom-net replica restarted (new boot id): its connections died with it (DESIGN.md, heartbeats).
    public mutating func replicaRestarted(_ replica: UInt8) {
        for peer in peers.keys where peer.replica == replica { peerGone(peer) }
    }

    /// The record of a peer, created on first contact (a late joiner misses `p2p.peer` events).
    mutating func record(_ peer: GossipPeer, now: Double) -> PeerRecord {
        if var existing = peers[peer] {
            existing.lastHeard = max(existing.lastHeard, now)
            peers[peer] = existing
            return existing
        }
        let fresh = PeerRecord(
            address: nil,
            now: now,
            phaseLimit: configuration.phaseLimit,
            bloomLimit: configuration.bloomLimit
        )
        peers[peer] = fresh
        return fresh
    }

    /// A peer's current consistency score.
    public func score(of peer: GossipPeer, now: Double) -> Double? {
        guard var counters = peers[peer]?.counters else { return nil }
        counters.decay(to: now, parameters: configuration.score)
        return counters.score(configuration.score)
    }

    /// Evidence strong enough to cost misbehaviour points. A contradicting BLOOM only lowers the score: an honest
    /// relay of another miner's bloom looks the same.
    static let penalisable: Set<ConsistencyEvidence> = [.inconsistentR, .impossibleJump, .invalidCertificate]

    /// Records evidence and returns a penalty when the peer's score is (now) under the penalty threshold and the
    /// evidence is bad.
    mutating func note(_ evidence: ConsistencyEvidence, peer: GossipPeer, now: Double) -> GossipAction? {
        guard var record = peers[peer] else { return nil }
        record.counters.decay(to: now, parameters: configuration.score)
        record.counters.add(evidence)
        peers[peer] = record
        guard Self.penalisable.contains(evidence),
            record.counters.score(configuration.score) < configuration.score.penaltyThreshold
        else { return nil }
        return .penalise(peer: peer, points: configuration.inconsistencyPoints, reason: evidence.rawValue)
    }

    // MARK: network view

    /// The merged fresh PHASE states of peers whose score is at least the listen threshold.
    public func networkView(now: Double) -> NetworkView {
        var states: [PhaseState] = []
        var coherences: [Double] = []
        for peer in peers.keys.sorted() {
            guard let record = peers[peer], isListened(record, now: now) else { continue }
            if let phase = record.phase, now - phase.receivedAt <= configuration.staleAfter {
                states.append(PhaseState(phases: phase.phases, rClaimed: phase.claimedR, weight: 1))
            }
            if let coherence = record.coherence, now - coherence.receivedAt <= configuration.staleAfter {
                coherences.append(coherence.r)
            }
        }
        // Weights of 1 give mixing weights 1/(k + 1) ∈ (0, 1], which the merge always accepts; the fallback is
        // the empty view, whose merge of no states cannot fail either.
        return (try? NetworkView(states: states, coherences: coherences)) ?? NetworkView(coherences: coherences)
    }

    private func isListened(_ record: PeerRecord, now: Double) -> Bool {
        var counters = record.counters
        counters.decay(to: now, parameters: configuration.score)
        return counters.score(configuration.score) >= configuration.score.listenThreshold
    }

    // MARK: ticks

    /// The 1 s tick (call it more often; early calls do nothing): expiry, the sharing strategy, GETPHASE answers,
    /// cooperative incorporation while mining (when a new PHASE changed the network view), periodic scores.
    /// - Parameters:
    ///   - now: the clock.
    ///   - local: the local ensemble.
    ///   - mining: whether the miner runs (`--mine` and a tip known).
    public mutating func tick(now: Double, local: EnsembleSnapshot, mining: Bool) -> [GossipAction] {
        guard let decision = sharing.tick(now: now, r: local.r) else { return [] }
        var actions: [GossipAction] = []
        expireStale(now: now)
        if decision.broadcastPhase || !decision.answer.isEmpty {
            let payload = PhaseMessage(encoding: local.phases, r: local.r, psi: local.psi).encoded()
            if decision.broadcastPhase {
                actions.append(.send(type: .phase, payload: payload, target: .all))
            }
            for peer in decision.answer where peers[peer] != nil {
                actions.append(.send(type: .phase, payload: payload, target: .peer(peer)))
            }
        }
        if decision.broadcastCoherence {
            let coherence = CoherenceMessage(r: local.r, psi: local.psi)
            actions.append(.send(type: .coherence, payload: Self.encode(coherence), target: .all))
        }
        if mining && configuration.incorporateWeight > 0 && phasesSinceIncorporation > 0 {
            let view = networkView(now: now)
            if !view.phases.isEmpty {
                phasesSinceIncorporation = 0
                actions.append(.incorporate(phases: view.phases, weight: configuration.incorporateWeight))
            }
        }
        if lastScorePublish.map({ now - $0 >= configuration.scoreInterval }) ?? true {
            lastScorePublish = now
            actions += scores(now: now)
        }
        return actions
    }

    /// Every known peer's score, in peer order: the periodic publication, and the answer to a service that just
    /// joined the bus (`svc.hello`) so that a restarted bloom-net does not wait a score interval for them.
    public func scores(now: Double) -> [GossipAction] {
        peers.keys.sorted().compactMap { peer in score(of: peer, now: now).map { .score(peer: peer, score: $0) } }
    }

    private mutating func expireStale(now: Double) {
        let limit = configuration.staleAfter
        for (peer, record) in peers {
            if now - record.lastHeard > configuration.forgetAfter {
                peerGone(peer)
                continue
            }
            var updated = record
            if let phase = record.phase, now - phase.receivedAt > limit { updated.phase = nil }
            if let coherence = record.coherence, now - coherence.receivedAt > limit { updated.coherence = nil }
            updated.counters.decay(to: now, parameters: configuration.score)
            peers[peer] = updated
        }
    }

    static func encode(_ coherence: CoherenceMessage) -> [UInt8] {
        var writer = ByteWriter(capacity: CoherenceMessage.size)
        writer.f32(coherence.r)
        writer.f32(coherence.psi)
        return writer.bytes
    }

    // MARK: own seals

    /// Our miner sealed: publish it, and remember it so its BLOOM goes out once its block is the tip.
    public mutating func sealed(_ seal: SealedBlock) -> [GossipAction] {
        pendingSeal = seal
        return [.sealed(seal)]
    }

    /// A new tip: if it is the block built on our pending seal, broadcast its BLOOM (DESIGN.md: "bloom-gossip
    /// broadcasts BLOOM once that block appears in chain.tip").
    ///
    /// The block's hash cannot be known in advance (bloom-sync sets its timestamp and transactions), so the tip is
    /// ours when it extends the seal's parent and carries the seal's certificate: a block hash does not commit to
    /// the certificate, its SHA-256 does. Another miner's block on the same parent, at the same height, is not
    /// announced. A tip at or above the seal's height that is not ours means the seal lost the race.
    public mutating func tipChanged(_ tip: TipUpdate) -> [GossipAction] {
        guard let seal = pendingSeal else { return [] }
        let payload = seal.certificate.encoded()
        let key = SeenCertificates.key(of: payload)
        let ours = tip.prevHash == seal.prevHash && tip.certificateHash == key
        guard ours || tip.height >= seal.height else { return [] }
        pendingSeal = nil
        guard ours else { return [] }
        seenCertificates.insert(key)
        return [.send(type: .bloom, payload: payload, target: .all)]
    }
}
