/// A byte stream that can no longer be trusted: the connection must be closed (spec §2.5 item 13, `disconnect`).
public enum FrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An escape header announced `realLength` > MAX_MESSAGE_SIZE (§2.5 item 3).
    case escapeLengthTooLarge(realLength: UInt32, limit: Int)
    /// The stream ended with `pendingBytes` bytes of an incomplete frame buffered (§2.1).
    case eofMidFrame(pendingBytes: Int)
    /// The caller appended more bytes while a whole maximal frame was still waiting to be drained.
    case bufferLimitExceeded(buffered: Int, limit: Int)

    /// Always ``WireVerdict/disconnect``: every frame-level error ends the connection.
    public var verdict: WireVerdict { .disconnect }

    /// A log line naming the failure and its numbers.
    public var description: String {
        switch self {
        case .escapeLengthTooLarge(let realLength, let limit):
            "escape frame real_length \(realLength) > \(limit)"
        case .eofMidFrame(let pendingBytes):
            "end of stream inside a frame (\(pendingBytes) bytes pending)"
        case .bufferLimitExceeded(let buffered, let limit):
            "\(buffered) undrained bytes buffered, limit \(limit)"
        }
    }
}

/// The four outcomes of spec §2.5 item 13 (the `action` strings of `messages.json`), plus `accept`.
public enum WireVerdict: String, Hashable, Sendable {
    /// The message is well formed and is handed to its handler.
    case accept
    /// Dropped, no point (unknown types).
    case ignore
    /// Dropped, one misbehaviour point.
    case protocolViolation = "protocol_violation"
    /// Close the connection at once.
    case disconnect
}
