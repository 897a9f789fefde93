import BloomBus
import BloomWire

extension SyncFixture {
    /// bloom-net's announcement of an inbound peer at height 0 (a full node), as the bus tests publish it.
    static func inboundConnected(_ peer: PeerID) -> PeerEvent {
        .connected(
            PeerEvent.Connected(
                peer: peer,
                address: "127.0.0.1:7619",
                direction: .inbound,
                version: 1,
                height: 0,
                services: ServiceFlags.node.rawValue,
                listenPort: 7619
            )
        )
    }
}
