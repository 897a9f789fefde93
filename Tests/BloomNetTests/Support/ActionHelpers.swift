import BloomNet
import BloomWire

extension [ConnectionAction] {
    /// Frames handed out for sending.
    var sentFrames: [Frame] {
        flatMap { action -> [Frame] in
            if case .send(let bytes) = action { return Wire.frames(in: bytes, largeFrames: true) }
            return []
        }
    }

    /// Frames delivered to the bus.
    var delivered: [Frame] {
        compactMap { if case .deliver(let frame) = $0 { return frame } else { return nil } }
    }

    /// Points added by these actions.
    var penaltyPoints: Int {
        reduce(0) { total, action in
            if case .penalised(let points, _) = action { return total + points }
            return total
        }
    }

    /// The disconnect reason, if any.
    var disconnectReason: DisconnectReason? {
        for action in self { if case .disconnect(let reason) = action { return reason } }
        return nil
    }

    var completedHandshake: Bool { contains(.handshakeCompleted) }

    var notSent: Bool { contains { if case .notSent = $0 { true } else { false } } }
}

extension PeerConnection {
    /// A started connection with our default VERSION (services 7).
    static func started(_ direction: Direction = .inbound, limits: ConnectionLimits = .init()) -> PeerConnection {
        var connection = PeerConnection(
            direction: direction,
            localVersion: VersionMessage(height: 5, timestamp: 1_700_000_000, port: 7618),
            limits: limits,
            now: 0
        )
        _ = connection.start(now: 0)
        return connection
    }

    /// A connection whose peer sent a VERSION with `services`.
    static func established(services: ServiceFlags? = nil, limits: ConnectionLimits = .init()) -> PeerConnection {
        var connection = started(limits: limits)
        _ = connection.receive(Wire.version(height: 3, services: services), now: 0)
        return connection
    }
}
