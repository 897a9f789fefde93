import BloomCore
import BloomWire

/// Where a peer message goes (the `p2p.out` target of DESIGN.md).
public enum OutboundTarget: Hashable, Sendable {
    /// One peer.
    case peer(GossipPeer)
    /// Every peer.
    case all
    /// Every peer but one (a relay skips its sender).
    case allExcept(GossipPeer)
}

/// A local bloom, ready for bloom-sync to turn into a block (`gossip.sealed`: prev_hash, nonce, r and ψ as f32
/// bits, N, certificate).
public struct SealedBlock: Hashable, Sendable {
    /// The tip the block extends.
    public var prevHash: Hash256
    /// Height of the block it seals (tip height + 1).
    public var height: UInt64
    /// The header nonce (L_attempt mod 2^32).
    public var nonce: UInt32
    /// The header's order_parameter.
    public var r: Float
    /// The header's mean_phase.
    public var psi: Float
    /// N.
    public var oscillatorCount: UInt32
    /// The consensus certificate (it verifies: the controller checks before sealing).
    public var certificate: ConsensusCertificate

    /// A seal with every field given.
    public init(
        prevHash: Hash256,
        height: UInt64,
        nonce: UInt32,
        r: Float,
        psi: Float,
        oscillatorCount: UInt32,
        certificate: ConsensusCertificate
    ) {
        self.prevHash = prevHash
        self.height = height
        self.nonce = nonce
        self.r = r
        self.psi = psi
        self.oscillatorCount = oscillatorCount
        self.certificate = certificate
    }
}

/// What the gossip logic asks its owner to do. The state machines never perform I/O themselves.
public enum GossipAction: Hashable, Sendable {
    /// Send a peer message (`p2p.out`).
    case send(type: MessageType, payload: [UInt8], target: OutboundTarget)
    /// Add misbehaviour points to a peer (`p2p.ctl`); `reason` is a short machine-readable cause.
    case penalise(peer: GossipPeer, points: Int, reason: String)
    /// Publish a local bloom (`gossip.sealed`).
    case sealed(SealedBlock)
    /// A peer announced a valid, new BLOOM: fetch the block from it (`gossip.expect`).
    case expect(announcer: GossipPeer, certificateHash: Hash256)
    /// Publish a peer's consistency score (`gossip.score`).
    case score(peer: GossipPeer, score: Double)
    /// Mix these (network) phases into the local ensemble with this weight (cooperative mining).
    case incorporate(phases: [Double], weight: Double)
}
