import BloomBus
import BloomCore

/// The bus: the envelope, a whole two-frame message, and every topic's payload decoder.
enum BusTargets {
    static let all: [FuzzTarget] = [envelope, busMessage] + payloadTargets

    static let envelope = FuzzTarget(
        "bus-envelope",
        "Envelope: a decoded envelope encodes to the same 36 bytes"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        guard let envelope = try? Envelope(decoding: input) else { return }
        try Expect.that(envelope.encoded() == input, "bus-envelope", "encodes to different bytes")
    }

    /// Input: a byte giving the topic frame's length, the topic frame, then the body frame.
    static let busMessage = FuzzTarget(
        "bus-message",
        "BusMessage from two frames (topic, envelope + payload): its frames() are the frames received"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        var cursor = FuzzInput(input)
        let topicLength = Int(cursor.byte())
        let rest = cursor.rest
        let topic = Array(rest.prefix(topicLength))
        let body = Array(rest.dropFirst(topicLength))
        guard let message = try? BusMessage(frames: [topic, body]) else { return }
        try Expect.that(message.frames() == [topic, body], "bus-message", "frames() differ from the frames received")
    }

    static let payloadTargets: [FuzzTarget] = [
        payload("bus-p2p-in", P2PIn.self),
        payload("bus-p2p-peer", PeerEvent.self),
        payload("bus-p2p-out", P2POut.self),
        payload("bus-p2p-ctl", P2PControl.self),
        payload("bus-p2p-flow", P2PFlow.self),
        payload("bus-chain-tip", ChainTip.self),
        payload("bus-gossip-sealed", GossipSealed.self),
        payload("bus-gossip-expect", GossipExpect.self),
        payload("bus-gossip-score", GossipScore.self),
        payload("bus-heartbeat", Heartbeat.self),
        payload("bus-hello", ServiceHello.self),
        // A dictionary: the encoded order is the encoder's, not necessarily the sender's.
        payload("bus-replicas", ServiceReplicas.self, canonical: false),
        payload("bus-query", ServiceQuery.self),
        payload("bus-reply", ServiceReply.self),
    ]

    /// A payload target: decode → encode → decode gives the same value (when the value equals itself: a NaN
    /// never does), and, where the encoding is canonical, a decoded payload encodes to exactly its own bytes.
    static func payload<P: BusPayload & Equatable>(
        _ name: String,
        _ type: P.Type,
        canonical: Bool = true
    ) -> FuzzTarget {
        FuzzTarget(name, "\(P.self) payload: decode → encode → decode gives the same value and the same bytes") {
            (input: [UInt8]) throws(PropertyViolation) in
            guard let decoded = try? P(decoding: input) else { return }
            let encoded = decoded.encoded()
            if canonical {
                try Expect.that(encoded == input, name, "encodes to \(encoded.count) different bytes")
            }
            let again: P
            do {
                again = try P(decoding: encoded)
            } catch {
                throw PropertyViolation(name, "its own encoding is rejected: \(error)")
            }
            try Expect.that(again.encoded() == encoded, name, "a second round trip gives other bytes")
            if decoded == decoded {
                try Expect.that(again == decoded, name, "decodes to another value after a round trip")
            }
        }
    }
}
