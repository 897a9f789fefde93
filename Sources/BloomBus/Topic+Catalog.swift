/// Every topic of the node's bus (DESIGN.md, "The bus"). Payload types are listed in ``BusPayload``'s table.
extension Topic {
    // MARK: bloom-net → any

    /// Prefix of every `p2p.in.<TYPE>` topic, for ``BusClient/subscribe(prefix:)`` (no terminator).
    public static let p2pInPrefix = "p2p.in."

    /// `p2p.in.<TYPE>`: a frame received from a peer; the envelope carries the peer id, the payload is the raw frame
    /// payload (``P2PIn``).
    public static func p2pIn(_ typeName: String) -> Topic {
        Topic(p2pInPrefix + typeName)
    }

    /// `p2p.in.<TYPE>` for a peer message type code: the spec's name for known codes (`p2p.in.BLOCK`), else
    /// `p2p.in.0x7F` style, so that a frame of a type unknown here still has a topic. Precomputed: no allocation.
    public static func p2pIn(messageType: UInt8) -> Topic {
        p2pInByCode[Int(messageType)]
    }

    /// The peer message type names of spec §2 (reference types and the bulk-sync extension), by code.
    public static let peerMessageNames: [UInt8: String] = [
        0x01: "VERSION", 0x02: "VERACK",
        0x10: "GETBLOCKS", 0x11: "BLOCKS", 0x12: "GETDATA", 0x13: "BLOCK", 0x14: "TX",
        0x20: "PHASE", 0x21: "GETPHASE", 0x22: "COHERENCE",
        0x30: "BLOOM",
        0x40: "GETHEADERS", 0x41: "HEADERS", 0x42: "GETBLOCKDATA", 0x43: "NOTFOUND",
    ]

    private static let p2pInByCode: [Topic] = (0...255).map { code in
        let byte = UInt8(code)
        let hexDigits = Array("0123456789ABCDEF")
        let fallback = "0x" + String(hexDigits[code >> 4]) + String(hexDigits[code & 0xF])
        return p2pIn(peerMessageNames[byte] ?? fallback)
    }

    /// `p2p.peer`: a peer connected (with its VERSION facts) or disconnected (``PeerEvent``).
    public static let p2pPeer = Topic("p2p.peer")
    /// `p2p.flow`: a peer's send queue is open or full, or bloom-net wrote some of its answers (``P2PFlow``).
    public static let p2pFlow = Topic("p2p.flow")

    // MARK: any → bloom-net

    /// `p2p.out`: send a frame to one peer, all peers, or all but one (``P2POut``).
    public static let p2pOut = Topic("p2p.out")
    /// `p2p.ctl`: penalise, disconnect or ban a peer; connect to an address (``P2PControl``).
    public static let p2pControl = Topic("p2p.ctl")

    // MARK: bloom-sync → any

    /// `chain.tip`: new best tip (``ChainTip``).
    public static let chainTip = Topic("chain.tip")

    // MARK: bloom-gossip → any

    /// `gossip.sealed`: a local bloom certificate for bloom-sync to build, store and announce a block
    /// (``GossipSealed``).
    public static let gossipSealed = Topic("gossip.sealed")
    /// `gossip.expect`: a peer announced a valid BLOOM; fetch its block (``GossipExpect``).
    public static let gossipExpect = Topic("gossip.expect")
    /// `gossip.score`: a peer's consistency score (``GossipScore``).
    public static let gossipScore = Topic("gossip.score")

    // MARK: services ↔ supervisor

    /// `svc.heartbeat`: liveness and state of a service replica (``Heartbeat``).
    public static let serviceHeartbeat = Topic("svc.heartbeat")
    /// `svc.hello`: a service process joined the bus; the others bring it up to date (``ServiceHello``).
    public static let serviceHello = Topic("svc.hello")
    /// `svc.replicas`: how many replicas each service runs, from the supervisor (``ServiceReplicas``).
    public static let serviceReplicas = Topic("svc.replicas")
    /// `svc.metrics`: a replica's metrics snapshot, Prometheus text, once a second (``ServiceMetrics``).
    public static let serviceMetrics = Topic("svc.metrics")
    /// `svc.reply`: the answer to a `svc.query.<service>` (``ServiceReply``; request id in the envelope).
    public static let serviceReply = Topic("svc.reply")

    /// `svc.query.<service>`: a CLI question forwarded by the supervisor (``ServiceQuery``), `service` being the
    /// full name (`bloom-net`). Traps on a name with a NUL: map user input to a known service first
    /// (``ServiceKind/init(name:)``) or use ``Topic/init(validating:)``.
    public static func serviceQuery(_ service: String) -> Topic {
        Topic("svc.query." + service)
    }

    /// Internal: a client's join probe (see ``BusClient/joined(timeout:)``). Never delivered to users.
    static func probe(_ sender: SenderID) -> Topic {
        Topic("bus.probe." + sender.description)
    }
}
