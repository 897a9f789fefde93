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

    /// The next complete frame from what is buffered followed by `chunk[offset...]`, without first copying the
    /// chunk into the decoder's buffer (the socket's read buffer, for example inside NIO's
    /// `withUnsafeReadableBytes`). Advances `offset` past the bytes it used.
    ///
    /// A frame that lies wholly in the chunk is cut from it directly; a frame begun in an earlier chunk takes only
    /// the bytes it lacks; the incomplete frame at the chunk's end is copied into the buffer when this returns nil,
    /// and only then. So each byte is copied once, into its frame's payload, except the tail of each read.
    ///
    /// Call it until it returns nil: `offset` is then `chunk.count` and the chunk may be released. A caller that
    /// stops earlier (the connection closed) leaves the rest of the chunk unread. ``largeFramesNegotiated`` may
    /// change between calls, as with ``next()``.
    /// - Throws: ``FrameError/escapeLengthTooLarge(realLength:limit:)`` as ``next()`` does; the unread bytes are
    ///   then kept in the buffer, so the error repeats on every later call.
    public mutating func next(in chunk: UnsafeRawBufferPointer, at offset: inout Int) throws(FrameError) -> Frame? {
        precondition(offset >= 0 && offset <= chunk.count, "offset \(offset) outside a chunk of \(chunk.count) bytes")
        if bufferedByteCount > 0 {
            // Complete the buffered frame with just the bytes it lacks, header first.
            while offset < chunk.count {
                let lacking = bytesLackingFromBufferedFrame()
                if lacking == 0 { break }
                let taken = min(lacking, chunk.count - offset)
                storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[offset..<offset + taken]))
                offset += taken
            }
            guard let frame = try next() else { return nil }
            compact()
            return frame
        }
        let start = offset
        let largeFrames = largeFramesNegotiated
        let outcome = chunk.withMemoryRebound(to: UInt8.self) { bytes in
            Self.cut(bytes, at: start, largeFrames: largeFrames)
        }
        switch outcome {
        case .frame(let frame, let end):
            offset = end
            return frame
        case .needMore:
            keepUnread(chunk, from: &offset)
            return nil
        case .escapeLengthTooLarge(let realLength):
            keepUnread(chunk, from: &offset)
            throw .escapeLengthTooLarge(realLength: realLength, limit: WireLimits.maxMessageSize)
        }
    }

    /// Copies `chunk[offset...]` into the (drained) buffer: an incomplete frame, shorter than a maximal one.
    private mutating func keepUnread(_ chunk: UnsafeRawBufferPointer, from offset: inout Int) {
        compact()
        storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[offset...]))
        offset = chunk.count
    }

    /// How many more bytes the frame at the read position needs before it can be cut: the rest of its header
    /// while the header is incomplete, then the rest of its payload; 0 when it is complete or its escape length
    /// is already known to be too large (``next()`` then throws).
    private func bytesLackingFromBufferedFrame() -> Int {
        let start = readIndex
        let largeFrames = largeFramesNegotiated
        return storage.withUnsafeBufferPointer { buffer in
            switch Self.header(buffer, at: start, largeFrames: largeFrames) {
            case .incomplete(let lacking): lacking
            case .escapeLengthTooLarge: 0
            case .complete(let headerSize, let payloadSize): max(0, headerSize + payloadSize - (buffer.count - start))
            }
        }
    }

    /// What the bytes at a frame's start say about it.
    private enum Header {
        /// The header is not all there: this many more bytes at least.
        case incomplete(lacking: Int)
        /// A header of `headerSize` bytes announcing `payloadSize` bytes of payload.
        case complete(headerSize: Int, payloadSize: Int)
        case escapeLengthTooLarge(UInt32)
    }

    /// Reads the header of the frame starting at `start` (plain, or the escape form once large frames are
    /// negotiated).
    @inline(__always)
    private static func header(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int, largeFrames: Bool) -> Header {
        let available = buffer.count - start
        guard available >= WireLimits.plainHeaderSize else {
            return .incomplete(lacking: WireLimits.plainHeaderSize - available)
        }
        // In bounds: available ≥ 3 was checked above.
        let length16 = UInt16(buffer[start + 1]) | UInt16(buffer[start + 2]) << 8
        guard largeFrames && length16 == WireLimits.escapeMarker else {
            return .complete(headerSize: WireLimits.plainHeaderSize, payloadSize: Int(length16))
        }
        guard available >= WireLimits.escapeHeaderSize else {
            return .incomplete(lacking: WireLimits.escapeHeaderSize - available)
        }
        // In bounds: available ≥ 7 was checked above.
        let realLength = UInt32(buffer[start + 3]) | UInt32(buffer[start + 4]) << 8
            | UInt32(buffer[start + 5]) << 16 | UInt32(buffer[start + 6]) << 24
        guard realLength <= WireLimits.maxMessageSize else { return .escapeLengthTooLarge(realLength) }
        return .complete(headerSize: WireLimits.escapeHeaderSize, payloadSize: Int(realLength))
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
        let headerSize: Int
        let payloadSize: Int
        switch header(buffer, at: start, largeFrames: largeFrames) {
        case .incomplete: return .needMore
        case .escapeLengthTooLarge(let realLength): return .escapeLengthTooLarge(realLength)
        case .complete(let size, let length): (headerSize, payloadSize) = (size, length)
        }
        guard buffer.count - start - headerSize >= payloadSize else { return .needMore }
        let payloadStart = start + headerSize
        let end = payloadStart + payloadSize
        // The header is complete, so buffer[start] exists; payloadStart…end lies within the buffer (checked above).
        // `Array(_:)` of a buffer pointer is one specialised allocation and `memcpy` (`Array(unsafeUninitialized
        // Capacity:)` would look up generic metadata at run time on every frame).
        let payload = Array(UnsafeBufferPointer(rebasing: buffer[payloadStart..<end]))
        return .frame(Frame(type: MessageType(rawValue: buffer[start]), payload: payload), end: end)
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
