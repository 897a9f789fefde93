import BloomCore
import BloomWire

/// The peer protocol: the incremental frame decoder, every payload decoder, and the classifier that joins them.
enum WireTargets {
    static let all: [FuzzTarget] = [frame, message] + payloadTargets

    /// Input: a control byte (bit 0: large frames negotiated from the start; bit 1: negotiated after the first
    /// frame, as a connection does once VERSION is processed; bit 2: frames cut from each chunk in place, as a
    /// connection reads, instead of appended first), a u16 seed for the chunking, then the stream.
    static let frame = FuzzTarget(
        "frame",
        "FrameDecoder over randomly chunked streams, appended or cut in place: no frame above the negotiated "
            + "limit, the buffer stays under one maximal frame, and the frames re-encoded and decoded in one piece "
            + "are the same frames"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let name = "frame"
        var cursor = FuzzInput(input)
        let control = cursor.byte()
        let negotiatedAtStart = control & 1 != 0
        let negotiatedAfterFirst = control & 2 != 0
        let inPlace = control & 4 != 0
        var chunking = ChunkSizes(seed: cursor.u16())
        let stream = cursor.rest

        var decoder = FrameDecoder(largeFramesNegotiated: negotiatedAtStart)
        var frames: [Frame] = []
        var streamError: FrameError?
        var offset = 0
        var chunk: [UInt8] = []
        var chunkOffset = 0
        reading: while offset < stream.count {
            let end = min(stream.count, offset + chunking.next())
            if inPlace {
                chunk = Array(stream[offset..<end])
                chunkOffset = 0
            } else {
                do {
                    try decoder.append(stream[offset..<end])
                } catch {
                    // Every append follows a full drain, so the buffer never holds a whole maximal frame.
                    throw PropertyViolation(name, "append after a full drain threw \(error)")
                }
            }
            offset = end
            while true {
                let next: Frame?
                do throws(FrameError) {
                    next =
                        inPlace ? try WireTargets.cutInPlace(&decoder, chunk, at: &chunkOffset) : try decoder.next()
                } catch {
                    streamError = error
                    break reading
                }
                guard let next else {
                    try Expect.that(!inPlace || chunkOffset == chunk.count, name, "a drained chunk left bytes unread")
                    break
                }
                let limit = decoder.largeFramesNegotiated ? WireLimits.maxMessageSize : WireLimits.maxPlainPayload
                try Expect.that(next.payload.count <= limit, name, "a \(next.payload.count)-byte payload > \(limit)")
                frames.append(next)
                if negotiatedAfterFirst && frames.count == 1 { decoder.largeFramesNegotiated = true }
            }
            try Expect.that(
                decoder.bufferedByteCount < decoder.maximalFrameSize,
                name,
                "\(decoder.bufferedByteCount) bytes buffered after a drain, maximal frame \(decoder.maximalFrameSize)"
            )
        }
        if let streamError {
            guard case .escapeLengthTooLarge(let realLength, let limit) = streamError else {
                throw PropertyViolation(name, "next() threw \(streamError)")
            }
            try Expect.that(Int(realLength) > limit, name, "escape length \(realLength) refused under limit \(limit)")
            return
        }
        do {
            try decoder.finish()
            try Expect.that(decoder.bufferedByteCount == 0, name, "finish() passed with bytes pending")
        } catch {
            try Expect.that(decoder.bufferedByteCount > 0, name, "finish() threw \(error) with nothing pending")
        }

        // Re-encode with the negotiation each frame was read under; one append must give the same frames back.
        var encoded: [UInt8] = []
        for (index, frame) in frames.enumerated() {
            let encoder = FrameEncoder(largeFramesNegotiated: negotiatedAtStart || (negotiatedAfterFirst && index > 0))
            do {
                encoded += try encoder.frame(type: frame.type, payload: frame.payload)
            } catch {
                throw PropertyViolation(name, "a decoded frame cannot be re-encoded: \(error)")
            }
        }
        var again = FrameDecoder(largeFramesNegotiated: negotiatedAtStart)
        var reread: [Frame] = []
        do {
            try again.append(encoded)
            while let next = try again.next() {
                reread.append(next)
                if negotiatedAfterFirst && reread.count == 1 { again.largeFramesNegotiated = true }
            }
        } catch {
            throw PropertyViolation(name, "re-encoded frames do not decode: \(error)")
        }
        try Expect.that(reread == frames, name, "re-encoded frames decode differently")
        try Expect.that(again.bufferedByteCount == 0, name, "re-encoded frames leave \(again.bufferedByteCount) bytes")
    }

    /// ``FrameDecoder/next(in:at:)`` on an array's bytes.
    private static func cutInPlace(
        _ decoder: inout FrameDecoder,
        _ chunk: [UInt8],
        at offset: inout Int
    ) throws(FrameError) -> Frame? {
        var result: Result<Frame?, FrameError> = .success(nil)
        chunk.withUnsafeBytes { raw in
            do throws(FrameError) {
                result = .success(try decoder.next(in: raw, at: &offset))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// Input: the type byte, a services byte, then the payload; what a connection does with each frame.
    static let message = FuzzTarget(
        "message",
        "MessageClassifier on any type, services and payload: an accepted message re-encodes to a payload that is "
            + "accepted as the same message; bulk-sync types only with BULK_SYNC; unknown types ignored"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let name = "message"
        var cursor = FuzzInput(input)
        let type = MessageType(rawValue: cursor.byte())
        let services = ServiceFlags(rawValue: UInt64(cursor.byte()))
        let payload = cursor.rest
        let action = MessageClassifier.classify(type: type, payload: payload, peerServices: services)
        switch action {
        case .ignore(.unknownType(let ignored)):
            try Expect.that(!type.isKnown && ignored == type, name, "\(type) ignored as unknown")
        case .protocolViolation:
            break
        case .accept(let decoded):
            try Expect.that(type.isKnown, name, "unknown \(type) accepted")
            try Expect.that(
                !type.isBulkSync || services.effective.contains(.bulkSync),
                name,
                "\(type) accepted from a peer with services \(services)"
            )
            try Expect.that(decoded.type == type, name, "\(type) decoded as \(decoded.type)")
            let reencoded = decoded.encodedPayload()
            let again = MessageClassifier.classify(type: type, payload: reencoded, peerServices: services)
            try Expect.that(again == action, name, "\(type) re-encoded is classified as \(again)")
        }
    }

    /// One target per payload decoder whose bytes are not just carried (BLOCK, TX and BLOOM are in
    /// ``CoreTargets``, where their contents are decoded).
    static let payloadTargets: [FuzzTarget] = [
        payload("version", .version),
        payload("verack", .verack),
        payload("getblocks", .getBlocks),
        payload("blocks", .blocks),
        payload("getdata", .getData),
        payload("phase", .phase, extra: phaseDecodersAgree),
        payload("getphase", .getPhase),
        payload("coherence", .coherence),
        payload("getheaders", .getHeaders),
        payload("headers", .headers, extra: headersDecode),
        payload("getblockdata", .getBlockData),
        payload("notfound", .notFound),
    ]

    /// A payload target: decode → encode → decode gives the same message, the encoded length is the announced
    /// one, and every count is within the spec's limit.
    static func payload(
        _ name: String,
        _ type: MessageType,
        extra: @escaping @Sendable (String, [UInt8], PeerMessage) throws(PropertyViolation) -> Void = { _, _, _ in }
    ) -> FuzzTarget {
        FuzzTarget(
            name,
            "\(type.name ?? name) payload: decode → encode → decode gives the same message; counts within limits"
        ) { (input: [UInt8]) throws(PropertyViolation) in
            let decoded: PeerMessage?
            do {
                decoded = try PeerMessage(type: type, payload: input)
            } catch {
                return
            }
            guard let decoded else { throw PropertyViolation(name, "known type \(type) decoded as unknown") }
            try Expect.that(decoded.type == type, name, "decoded as \(decoded.type)")
            let encoded = decoded.encodedPayload()
            try Expect.that(
                encoded.count == decoded.payloadLength,
                name,
                "encoded \(encoded.count) bytes, payloadLength says \(decoded.payloadLength)"
            )
            let again: PeerMessage?
            do {
                again = try PeerMessage(type: type, payload: encoded)
            } catch {
                throw PropertyViolation(name, "re-encoded payload rejected: \(error)")
            }
            try Expect.that(again == decoded, name, "re-encoded payload decodes to a different message")
            try checkLimits(name, decoded)
            try extra(name, input, decoded)
        }
    }

    /// The counts spec §2.5 items 10 and 12 bound.
    static func checkLimits(_ name: String, _ message: PeerMessage) throws(PropertyViolation) {
        switch message {
        case .phase(let phase):
            try Expect.that(
                (1...WireLimits.maxPhaseCount).contains(phase.phases.count),
                name,
                "\(phase.phases.count) phases"
            )
            try Expect.that(phase.r >= 0 && phase.r <= 1 && phase.psi.isFinite, name, "r \(phase.r), psi \(phase.psi)")
        case .coherence(let coherence):
            try Expect.that(
                coherence.r >= 0 && coherence.r <= 1 && coherence.psi.isFinite,
                name,
                "r \(coherence.r), psi \(coherence.psi)"
            )
        case .headers(let headers):
            try Expect.that(headers.count <= WireLimits.maxHeadersPerMessage, name, "\(headers.count) headers")
            try Expect.that(headers.allSatisfy { $0.count == PeerMessage.headerSize }, name, "a header not 92 bytes")
        case .getBlockData(let hashes):
            try Expect.that(
                (1...WireLimits.maxHashesPerBlockDataRequest).contains(hashes.count),
                name,
                "\(hashes.count) hashes"
            )
        case .notFound(let hashes):
            try Expect.that(hashes.count <= WireLimits.maxHashesPerBlockDataRequest, name, "\(hashes.count) hashes")
        default:
            break
        }
    }

    /// The three PHASE decoders (array, raw memory, generic collection) must agree on every input.
    static let phaseDecodersAgree: @Sendable (String, [UInt8], PeerMessage) throws(PropertyViolation) -> Void = {
        (name: String, input: [UInt8], message: PeerMessage) throws(PropertyViolation) in
        guard case .phase(let phase) = message else { return }
        let raw: PhaseMessage? = input.withUnsafeBytes { try? PhaseMessage(decoding: $0) }
        try Expect.that(raw == phase, name, "raw-memory decoder disagrees")
        let generic = try? PhaseMessage(decoding: input[...])
        try Expect.that(generic == phase, name, "collection decoder disagrees")
    }

    /// Each header of a HEADERS message decodes as a block header that re-encodes to its own bytes.
    static let headersDecode: @Sendable (String, [UInt8], PeerMessage) throws(PropertyViolation) -> Void = {
        (name: String, _: [UInt8], message: PeerMessage) throws(PropertyViolation) in
        guard case .headers(let headers) = message else { return }
        for bytes in headers {
            guard let header = try? BlockHeader(decoding: bytes) else { continue }
            try Expect.that(header.encoded() == bytes, name, "a header re-encodes to different bytes")
        }
    }
}

/// Chunk sizes for the frame target: mostly small (split headers and escape lengths), sometimes large.
struct ChunkSizes {
    private var state: UInt64

    init(seed: UInt16) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> Int {
        // SplitMix64 step: cheap, and the same seed always gives the same chunking.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        switch z % 8 {
        case 0: return 1 + Int((z >> 8) % 70_000)
        case 1, 2: return 1 + Int((z >> 8) % 300)
        default: return 1 + Int((z >> 8) % 9)
        }
    }
}
