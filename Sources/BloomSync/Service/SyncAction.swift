import BloomBus
import BloomChain
import BloomCore
import BloomWire

/// What the sync logic asks its environment to do. The state machines return actions; the bus adapter performs
/// them (STYLE.md, "State machines return actions").
public enum SyncAction: Sendable, Hashable {
    /// Send one message to one peer (`p2p.out`, target peer).
    case send(PeerID, PeerMessage)
    /// Send one message to every peer, or every peer but one (`p2p.out`, target all / all except).
    case broadcast(PeerMessage, except: PeerID?)
    /// Add misbehaviour points to a peer (`p2p.ctl`).
    case penalise(PeerID, points: UInt32, reason: String)
    /// The best tip moved (`chain.tip`, with its parent and certificate hash), published only after the store
    /// committed it.
    case publishTip(BloomBus.ChainTip)
}

/// A connected peer as bloom-sync sees it: from its `p2p.peer` event, raised by what it proves.
public struct SyncPeer: Sendable, Hashable {
    /// bloom-net's id of the connection.
    public var id: PeerID
    /// The height it announced in VERSION, raised to the height of any valid block it sends or lists.
    public var height: UInt32
    /// Its effective service bits (spec §2.5 item 2; BULK_SYNC without LARGE_FRAMES is ignored).
    public var services: ServiceFlags

    /// A peer as announced; `services` is reduced to its effective bits.
    public init(id: PeerID, height: UInt32, services: ServiceFlags) {
        self.id = id
        self.height = height
        self.services = services.effective
    }

    /// True when a block of `size` bytes can be framed for this peer (spec §2.5 item 3).
    public func canReceive(blockOfSize size: Int) -> Bool {
        size <= WireLimits.maxPlainPayload || services.contains(.largeFrames)
    }
}
