/// What to do with one frame's message (spec §2.5 item 13).
public enum MessageAction: Hashable, Sendable {
    /// Well formed and allowed from this peer: hand it to its handler.
    case accept(PeerMessage)
    /// Drop it, no misbehaviour point (still subject to the unknown-type rate limit).
    case ignore(IgnoreReason)
    /// Drop it and add one misbehaviour point.
    case protocolViolation(PayloadError)

    /// The spec's name of this action.
    public var verdict: WireVerdict {
        switch self {
        case .accept: .accept
        case .ignore: .ignore
        case .protocolViolation: .protocolViolation
        }
    }
}

/// Why a frame was ignored.
public enum IgnoreReason: Hashable, Sendable {
    /// A type code this node does not know: a newer peer may know more types (§2.1, §2.5 item 13).
    case unknownType(MessageType)
}

/// Turns a frame into an action: the raw-bytes entry point of the message layer (and the one a fuzzer calls).
///
/// Connection state (handshake, rate limits, misbehaviour score) belongs to the connection; this function only
/// judges one frame against the peer's services.
public enum MessageClassifier {
    /// Classifies a frame.
    /// - Parameters:
    ///   - type: The frame's type byte.
    ///   - payload: The frame's payload.
    ///   - peerServices: The services from the peer's VERSION (empty until known); ``ServiceFlags/effective`` is
    ///     applied here, so `BULK_SYNC` without `LARGE_FRAMES` counts as absent.
    /// - Returns: `.ignore` for unknown types, `.protocolViolation` for a malformed payload of a known type or a
    ///   bulk-sync type from a peer without `BULK_SYNC`, `.accept` otherwise.
    public static func classify(type: MessageType, payload: [UInt8], peerServices: ServiceFlags) -> MessageAction {
        if type.isBulkSync && !peerServices.effective.contains(.bulkSync) {
            return .protocolViolation(
                PayloadError(
                    type,
                    .bulkSyncNotNegotiated,
                    at: 0,
                    field: "type",
                    detail: "peer services \(peerServices)"
                )
            )
        }
        do {
            guard let message = try PeerMessage(type: type, payload: payload) else {
                return .ignore(.unknownType(type))
            }
            return .accept(message)
        } catch {
            return .protocolViolation(error)
        }
    }

    /// Classifies a decoded frame; see ``classify(type:payload:peerServices:)``.
    public static func classify(_ frame: Frame, peerServices: ServiceFlags) -> MessageAction {
        classify(type: frame.type, payload: frame.payload, peerServices: peerServices)
    }
}
