import BloomBus
import BloomWire
import Metrics

/// bloom-net's series, through swift-metrics (the service kit bootstraps the Prometheus backend; in tests the
/// handlers are no-ops). Counters are made once and kept: the hot path only increments.
enum NetMetrics {
    /// Message type names for the `type` label: the spec's names, and `unknown` for any other code, so that a peer
    /// sending random type bytes cannot create series without bound.
    static let typeNames: [String] = (0...255).map { Topic.peerMessageNames[UInt8($0)] ?? "unknown" }

    private static func counters(_ direction: String) -> [Counter] {
        var made: [String: Counter] = [:]
        return typeNames.map { name in
            if let counter = made[name] { return counter }
            let counter = Counter(label: "bloom_p2p_messages_total", dimensions: [("direction", direction), ("type", name)])
            made[name] = counter
            return counter
        }
    }

    static let messagesIn = counters("in")
    static let messagesOut = counters("out")
    static let bytesIn = Counter(label: "bloom_p2p_bytes_total", dimensions: [("direction", "in")])
    static let bytesOut = Counter(label: "bloom_p2p_bytes_total", dimensions: [("direction", "out")])
    static let inbound = Gauge(label: "bloom_peers", dimensions: [("direction", "inbound")])
    static let outbound = Gauge(label: "bloom_peers", dimensions: [("direction", "outbound")])
    static let bans = Counter(label: "bloom_peer_bans_total")
    static let misbehaviourPoints = Counter(label: "bloom_misbehaviour_points_total")
    /// Connections closed, by ``DisconnectReason/code`` (a fixed set), whether or not the handshake completed.
    static let disconnects: [String: Counter] = Dictionary(
        uniqueKeysWithValues: DisconnectReason.codes.map {
            ($0, Counter(label: "bloom_peer_disconnects_total", dimensions: [("reason", $0)]))
        }
    )

    /// Makes every series exist from the start (at 0), so that dashboards and alert rules see them before the first
    /// event: Swift's static properties are otherwise made on first use.
    static func prepare() {
        _ = (messagesIn.count, messagesOut.count)
        bytesIn.increment(by: 0)
        bytesOut.increment(by: 0)
        inbound.record(0)
        outbound.record(0)
        bans.increment(by: 0)
        misbehaviourPoints.increment(by: 0)
        for counter in disconnects.values { counter.increment(by: 0) }
    }

    static func disconnected(_ reason: DisconnectReason) { disconnects[reason.code]?.increment() }

    static func received(_ type: MessageType) { messagesIn[Int(type.rawValue)].increment() }
    static func sent(_ type: MessageType) { messagesOut[Int(type.rawValue)].increment() }
}
