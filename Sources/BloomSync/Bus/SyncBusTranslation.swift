import BloomBus
import BloomChain
import BloomCore
import BloomWire

/// Bus messages in, ``SyncEvent``s out; ``SyncAction``s in, bus messages out.
///
/// | topic | payload | becomes |
/// | --- | --- | --- |
/// | `p2p.in.<TYPE>` (block-related types) | ``P2PIn`` | ``SyncEvent/message(_:_:)``, peer from the envelope |
/// | `p2p.peer` | ``PeerEvent`` | ``SyncEvent/peerConnected(_:)`` / ``SyncEvent/peerGone(_:)`` |
/// | `p2p.flow` | ``P2PFlow`` | ``SyncEvent/flow(_:open:)``; `written` ``SyncEvent/written(_:bytes:)`` |
/// | `gossip.sealed` | ``GossipSealed`` | ``SyncEvent/sealed(_:)`` |
/// | `gossip.expect` | ``GossipExpect`` | ``SyncEvent/expect(_:)`` |
/// | `svc.hello` | ``ServiceHello`` | ``SyncEvent/hello(_:)``, sender from the envelope |
/// | anything else, or a payload that does not decode | | dropped (counted) |
public enum SyncBusTranslation {
    /// The message types bloom-sync handles; it subscribes to exactly these `p2p.in` topics.
    public static let handledTypes: [MessageType] = [
        .getBlocks, .blocks, .getData, .block, .tx, .getHeaders, .headers, .getBlockData, .notFound,
    ]

    /// Every topic bloom-sync subscribes to.
    public static var subscriptions: [Topic] {
        handledTypes.map { Topic.p2pIn(messageType: $0.rawValue) }
            + [Topic.p2pPeer, Topic.p2pFlow, Topic.gossipSealed, Topic.gossipExpect, Topic.serviceHello]
    }

    private static let typeByTopic: [Topic: MessageType] = Dictionary(
        uniqueKeysWithValues: handledTypes.map { (Topic.p2pIn(messageType: $0.rawValue), $0) }
    )

    /// The event a bus message stands for, or nil when it is not for bloom-sync or does not decode.
    public static func event(from message: BusMessage) -> SyncEvent? {
        if let type = typeByTopic[message.topic] {
            guard let peer = message.envelope.peerID,
                let wrapped = try? message.decode(P2PIn.self),
                let decoded = try? PeerMessage(type: type, payload: wrapped.payload)
            else { return nil }
            // A malformed payload is bloom-net's protocol violation to count; here it is only dropped.
            return .message(peer, decoded)
        }
        switch message.topic {
        case .p2pPeer:
            switch try? message.decode(PeerEvent.self) {
            case .connected(let connected):
                return .peerConnected(
                    SyncPeer(
                        id: connected.peer,
                        height: connected.height,
                        services: ServiceFlags(rawValue: connected.services)
                    )
                )
            case .disconnected(let peer, _):
                return .peerGone(peer)
            case nil:
                return nil
            }
        case .p2pFlow:
            guard let flow = try? message.decode(P2PFlow.self) else { return nil }
            switch flow.state {
            case .open, .full: return .flow(flow.peer, open: flow.state == .open)
            case .written: return .written(flow.peer, bytes: Int(clamping: flow.bytes))
            }
        case .gossipSealed:
            return (try? message.decode(GossipSealed.self)).map { .sealed($0) }
        case .gossipExpect:
            return (try? message.decode(GossipExpect.self)).map { .expect($0) }
        case .serviceHello:
            return (try? message.decode(ServiceHello.self)).map { _ in .hello(message.envelope.sender) }
        default:
            return nil
        }
    }

    /// Publishes one action on `bus`; `bulk` marks a send as the answer to a peer's request (envelope flag
    /// ``Envelope/Flags/bulk``: bloom-net sends it behind relays, within the peer's bulk budget).
    @discardableResult
    public static func publish(_ action: SyncAction, on bus: some Bus, bulk: Bool = false) -> Bool {
        switch action {
        case .send(let peer, let message):
            return bus.publish(.p2pOut, out(message, .peer(peer)), flags: bulk ? [.bulk] : [])
        case .broadcast(let message, let except):
            return bus.publish(.p2pOut, out(message, except.map { .allExcept($0) } ?? .all))
        case .penalise(let peer, let points, let reason):
            return bus.publish(.p2pControl, P2PControl.penalise(peer: peer, points: points, reason: reason))
        case .publishTip(let tip):
            return bus.publish(.chainTip, tip)
        }
    }

    private static func out(_ message: PeerMessage, _ target: P2POut.Target) -> P2POut {
        P2POut(messageType: message.type.rawValue, target: target, payload: message.encodedPayload())
    }
}
