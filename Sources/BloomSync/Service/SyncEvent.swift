import BloomBus
import BloomWire

/// What the sync logic reacts to: bus messages, decoded, and the clock.
public enum SyncEvent: Sendable, Hashable {
    /// `p2p.peer` connected.
    case peerConnected(SyncPeer)
    /// `p2p.peer` gone.
    case peerGone(PeerID)
    /// `p2p.flow`: bloom-net reports a peer's send queue open (true) or full (false).
    case flow(PeerID, open: Bool)
    /// `p2p.flow written`: bloom-net wrote this many payload bytes of the peer's answers (credit back).
    case written(PeerID, bytes: Int)
    /// Send more of a peer's pending answers (``BlockServer/serve(_:chain:now:)``): scheduled by ``SyncInbox``
    /// as a request turn of that peer once it has room again.
    case serve(PeerID)
    /// `p2p.in.<type>`: a decoded message from a peer.
    case message(PeerID, PeerMessage)
    /// `gossip.sealed`: build a block on the tip.
    case sealed(GossipSealed)
    /// `gossip.expect`: a peer announced a valid bloom; fetch its block.
    case expect(GossipExpect)
    /// `svc.hello`: another service joined the bus and knows nothing yet; republish the tip (``ServiceHello``).
    case hello(SenderID)
    /// The periodic tick: timeouts, stalls, new requests, progress.
    case tick
}
