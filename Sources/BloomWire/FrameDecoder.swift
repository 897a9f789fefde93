import BloomCore

/// Cuts a TCP byte stream into frames (spec §2.1, escape form §2.5 item 3).
///
/// Drive it with whatever chunks the socket delivers: ``append(_:)`` a chunk, then call ``next()`` until it
/// returns nil, then append the next chunk; at end of stream call ``finish()``. Nothing is returned until the
/// last byte of a frame has arrived, however the stream was split.
///
/// Bounds: once drained, the buffer holds at most one incomplete frame (≤ 7 + MAX_MESSAGE_SIZE bytes when large
/// frames are negotiated, ≤ 3 + 65535 otherwise). Appending while a whole maximal frame is still undrained
/// throws ``FrameError/bufferLimitExceeded(buffered:limit:)`` instead of growing. The consumed prefix is dropped
/// once per append (not per frame), and only the incomplete tail moves, so each byte is moved at most once:
/// many small frames cost O(n) in total.
public struct FrameDecoder: Sendable {
    /// True once both sides advertised `LARGE_FRAMES` (§2.5 item 3): a `length` of 0xFFFF then always means
    /// "u32 real_length follows". Set it as soon as the peer's VERSION is processed, before calling ``next()``
    /// again; the header of the next frame is read with the new rule. Without it, 0xFFFF is a plain length.
    public var largeFramesNegotiated: Bool

    private var storage: [UInt8] = []
    /// Largest buffer capacity kept across an empty buffer (a few 16 KiB reads).
    private static let retainedCapacity = 128 * 1024
    /// Index of the first byte not yet returned in a frame.
    private var readIndex = 0

    /// A decoder for a fresh connection (no large frames until negotiated).
    public init(largeFramesNegotiated: Bool = false) {
        self.largeFramesNegotiated = largeFramesNegotiated
    }

    /// Bytes received but not yet returned in a frame.
    public var bufferedByteCount: Int { storage.count - readIndex }

    /// The largest frame (header + payload) the current negotiation allows.
    public var maximalFrameSize: Int {
        largeFramesNegotiated
            ? WireLimits.escapeHeaderSize + WireLimits.maxMessageSize
            : WireLimits.plainHeaderSize + WireLimits.maxPlainPayload
    }

    /// Adds a chunk read from the socket. An empty chunk is allowed and changes nothing.
    ///
    /// The bytes are copied into the decoder's own buffer (one copy per read; the buffer stays uniquely owned, so
    /// dropping the consumed prefix is an in-place move of the incomplete tail).
    /// - Throws: ``FrameError/bufferLimitExceeded(buffered:limit:)`` if a maximal frame is still undrained.
    public mutating func append<C: Collection>(_ chunk: C) throws(FrameError) where C.Element == UInt8 {
        try checkDrained()
        compact()
        storage.append(contentsOf: chunk)
    }

    /// Adds a chunk held in an array, as the generic `append(_:)` does. Non-generic, so callers in other
    /// modules get a plain memory copy without relying on generic specialisation.
    public mutating func append(_ chunk: [UInt8]) throws(FrameError) {
        try checkDrained()
        compact()
        storage.append(contentsOf: chunk)
    }

    /// Adds a chunk from raw memory (for example inside NIO's `withUnsafeReadableBytes`); the bytes are copied
    /// before this returns.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) throws(FrameError) {
        try checkDrained()
        compact()
        storage.append(contentsOf: chunk)
    }

    /// The next complete frame, or nil when more bytes are needed.
    ///
    /// - Throws: ``FrameError/escapeLengthTooLarge(realLength:limit:)`` as soon as an escape header announces more
    ///   than MAX_MESSAGE_SIZE; the error repeats on every later call (the stream is unusable).
    public mutating func next() throws(FrameError) -> Frame? {
        let start = readIndex
        let largeFrames = largeFramesNegotiated
        // One pass over the buffer's memory: the header read, then the payload copied straight into its own array
        // (no intermediate slice, no per-byte bounds checks).
        let outcome = storage.withUnsafeBufferPointer { buffer in
            Self.cut(buffer, at: start, largeFrames: largeFrames)
        }
        switch outcome {
        case .needMore:
            return nil
        case .frame(let frame, let end):
            readIndex = end
            return frame
        case .escapeLengthTooLarge(let realLength):
            throw .escapeLengthTooLarge(realLength: realLength, limit: WireLimits.maxMessageSize)
        }
    }

    /// What ``cut(_:at:largeFrames:)`` found at the read position.
    private enum Cut {
        case needMore
        /// A whole frame, and the index just past it.
        case frame(Frame, end: Int)
        case escapeLengthTooLarge(UInt32)
    }

    /// Reads the frame starting at `start`, if all of it is in `buffer`.
    @inline(__always)
    private static func cut(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int, largeFrames: Bool) -> Cut {
        let available = buffer.count - start
        guard available >= WireLimits.plainHeaderSize else { return .needMore }
        // In bounds: available ≥ 3 was checked above.
        let type = MessageType(rawValue: buffer[start])
        let length16 = UInt16(buffer[start + 1]) | UInt16(buffer[start + 2]) << 8
        var headerSize = WireLimits.plainHeaderSize
        var payloadSize = Int(length16)
        if largeFrames && length16 == WireLimits.escapeMarker {
            guard available >= WireLimits.escapeHeaderSize else { return .needMore }
            // In bounds: available ≥ 7 was checked above.
            let realLength = UInt32(buffer[start + 3]) | UInt32(buffer[start + 4]) << 8
                | UInt32(buffer[start + 5]) << 16 | UInt32(buffer[start + 6]) << 24
            guard realLength <= WireLimits.maxMessageSize else { return .escapeLengthTooLarge(realLength) }
            headerSize = WireLimits.escapeHeaderSize
            payloadSize = Int(realLength)
        }
        guard available - headerSize >= payloadSize else { return .needMore }
        let payloadStart = start + headerSize
        let end = payloadStart + payloadSize
        // payloadStart…end lies within the buffer: available − headerSize ≥ payloadSize was checked above.
        // `Array(_:)` of a buffer pointer is one specialised allocation and `memcpy` (`Array(unsafeUninitialized
        // Capacity:)` would look up generic metadata at run time on every frame).
        let payload = Array(UnsafeBufferPointer(rebasing: buffer[payloadStart..<end]))
        return .frame(Frame(type: type, payload: payload), end: end)
    }

    /// Call at end of stream, after ``next()`` returned nil.
    /// - Throws: ``FrameError/eofMidFrame(pendingBytes:)`` if part of a frame is still buffered.
    public func finish() throws(FrameError) {
        let pending = bufferedByteCount
        if pending > 0 { throw .eofMidFrame(pendingBytes: pending) }
    }

    private func checkDrained() throws(FrameError) {
        // After draining, what is left is one incomplete frame, strictly shorter than a maximal one. More means
        // the caller stopped draining; refusing keeps a peer from growing our memory through a lazy caller.
        let limit = maximalFrameSize
        if bufferedByteCount >= limit {
            throw .bufferLimitExceeded(buffered: bufferedByteCount, limit: limit)
        }
    }

    /// Drops the consumed prefix, moving only the incomplete tail to the front.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == storage.count {
            // Keep an ordinary buffer for the next reads, but give back the memory of a past large frame: with
            // a hundred peers, each holding on to a 1 MiB buffer would add up.
            storage.removeAll(keepingCapacity: storage.capacity <= Self.retainedCapacity)
        } else {
            storage.removeSubrange(0..<readIndex)
        }
        readIndex = 0
    }
}
