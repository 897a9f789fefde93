import BloomCore

/// Builds frames for one connection (spec §2.1, escape form §2.5 item 3).
///
/// Each frame is one contiguous array, header and payload together, so it goes out in a single write (a
/// reference peer reads the header and the payload with one `read` each and treats a short read as a disconnect).
public struct FrameEncoder: Sendable {
    /// True once both sides advertised `LARGE_FRAMES`: payloads of 65535 bytes or more then use the escape form.
    public var largeFramesNegotiated: Bool

    /// An encoder for a fresh connection (plain frames only until negotiated).
    public init(largeFramesNegotiated: Bool = false) {
        self.largeFramesNegotiated = largeFramesNegotiated
    }

    /// The largest payload this connection can carry.
    public var maxPayloadSize: Int {
        largeFramesNegotiated ? WireLimits.maxMessageSize : WireLimits.maxPlainPayload
    }

    /// Whether a payload of `length` bytes can be framed for this peer (a block that cannot is skipped in a
    /// GETDATA answer and listed in NOTFOUND, §2.5 item 3).
    public func canFrame(payloadLength length: Int) -> Bool {
        length >= 0 && length <= maxPayloadSize
    }

    /// The header for a payload of `length` bytes: 3 bytes, or 7 in escape form.
    /// - Throws: ``FrameEncodingError`` when the payload cannot be framed for this peer.
    public func header(type: MessageType, payloadLength length: Int) throws(FrameEncodingError) -> [UInt8] {
        var writer = ByteWriter(capacity: WireLimits.escapeHeaderSize)
        try writeHeader(type: type, payloadLength: length, into: &writer)
        return writer.bytes
    }

    /// One whole frame: header then payload.
    /// - Throws: ``FrameEncodingError`` when the payload cannot be framed for this peer.
    public func frame<C: Collection>(
        type: MessageType,
        payload: C
    ) throws(FrameEncodingError) -> [UInt8] where C.Element == UInt8 {
        var writer = ByteWriter(capacity: WireLimits.escapeHeaderSize + payload.count)
        try writeHeader(type: type, payloadLength: payload.count, into: &writer)
        writer.append(payload)
        return writer.bytes
    }

    /// One whole frame for a message; the payload is written straight after the header (no intermediate copy).
    /// - Throws: ``FrameEncodingError`` when the payload cannot be framed for this peer.
    public func frame(_ message: PeerMessage) throws(FrameEncodingError) -> [UInt8] {
        let length = message.payloadLength
        var writer = ByteWriter(capacity: WireLimits.escapeHeaderSize + length)
        try writeHeader(type: message.type, payloadLength: length, into: &writer)
        message.encodePayload(into: &writer)
        return writer.bytes
    }

    private func writeHeader(
        type: MessageType,
        payloadLength length: Int,
        into writer: inout ByteWriter
    ) throws(FrameEncodingError) {
        guard canFrame(payloadLength: length) else {
            throw FrameEncodingError(type: type, payloadLength: length, limit: maxPayloadSize)
        }
        writer.u8(type.rawValue)
        // On a negotiated connection 0xFFFF always announces the escape form, so a payload of exactly 65535
        // bytes must use it too.
        if largeFramesNegotiated && length >= Int(WireLimits.escapeMarker) {
            writer.u16(WireLimits.escapeMarker)
            writer.u32(UInt32(length))
        } else {
            writer.u16(UInt16(length))
        }
    }
}

/// A payload too large for the peer's frames: not sent (§2.5 item 3: "simply not sent (log it)").
public struct FrameEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The frame's type.
    public var type: MessageType
    /// The payload's size in bytes.
    public var payloadLength: Int
    /// The largest payload this connection carries (65535, or MAX_MESSAGE_SIZE with large frames).
    public var limit: Int

    /// Records which frame could not be built and why.
    public init(type: MessageType, payloadLength: Int, limit: Int) {
        self.type = type
        self.payloadLength = payloadLength
        self.limit = limit
    }

    /// A log line: type, size and limit.
    public var description: String { "\(type) payload of \(payloadLength) bytes exceeds \(limit)" }
}
