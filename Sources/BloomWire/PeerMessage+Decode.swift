import BloomCore

extension PeerMessage {
    /// Decodes the payload of a known type with the rules of spec §2.3 and §2.5 items 2, 5, 10 and 12.
    ///
    /// Total: never traps, allocates nothing from a count before checking the bytes are there.
    /// Returns nil for an unknown type (the caller ignores it). Does not check services: see
    /// ``MessageClassifier``.
    /// - Throws: ``PayloadError`` for a malformed payload of a known type (a `protocol_violation`).
    public init?(type: MessageType, payload: [UInt8]) throws(PayloadError) {
        switch type {
        case .version: self = .version(try Self.decodeVersion(payload))
        case .verack: self = .verack
        case .getBlocks: self = .getBlocks(try Self.decodeRange(payload, type: type, exact: false))
        case .blocks: self = .blocks(try Self.decodeHashList(payload, type: type, limit: nil))
        case .getData: self = .getData(try Self.decodeDataRequest(payload))
        case .block: self = .block(payload)
        case .tx: self = .tx(payload)
        case .phase: self = .phase(try PhaseMessage(decoding: payload))
        case .getPhase: self = .getPhase
        case .coherence: self = .coherence(try Self.decodeCoherence(payload))
        case .bloom: self = .bloom(payload)
        case .getHeaders: self = .getHeaders(try Self.decodeRange(payload, type: type, exact: true))
        case .headers: self = .headers(try Self.decodeHeaders(payload))
        case .getBlockData:
            let hashes = try Self.decodeHashList(payload, type: type, limit: WireLimits.maxHashesPerBlockDataRequest)
            guard !hashes.isEmpty else {
                throw PayloadError(type, .countOutOfRange, at: 0, field: "getblockdata.n", detail: "n = 0")
            }
            self = .getBlockData(hashes)
        case .notFound:
            let hashes = try Self.decodeHashList(payload, type: type, limit: WireLimits.maxHashesPerBlockDataRequest)
            self = .notFound(hashes)
        default:
            return nil
        }
    }

    // VERACK and GETPHASE ignore any payload, as the reference does: it carries nothing to get wrong.

    private static func u32(_ p: [UInt8], _ at: Int) -> UInt32 {
        // Callers check `at + 4 <= p.count` first.
        UInt32(p[at]) | UInt32(p[at + 1]) << 8 | UInt32(p[at + 2]) << 16 | UInt32(p[at + 3]) << 24
    }

    private static func u64(_ p: [UInt8], _ at: Int) -> UInt64 {
        UInt64(u32(p, at)) | UInt64(u32(p, at + 4)) << 32
    }

    private static func hash(_ p: [UInt8], _ at: Int) -> Hash256 {
        // Callers check `at + 32 <= p.count` first.
        p.withUnsafeBytes { Hash256(UnsafeRawBufferPointer(rebasing: $0[at..<at + 32])) }
    }

    private static func decodeVersion(_ p: [UInt8]) throws(PayloadError) -> VersionMessage {
        guard p.count >= VersionMessage.baseSize else {
            throw PayloadError(.version, .tooShort, at: 0, field: "version", detail: "\(p.count) bytes, needs 20")
        }
        // A partial services field (20–27 bytes) is ignored, never zero-extended (§2.5 item 2).
        let hasServices = p.count >= VersionMessage.extendedSize
        let tailStart = hasServices ? VersionMessage.extendedSize : VersionMessage.baseSize
        return VersionMessage(
            protocolVersion: u32(p, 0),
            height: u32(p, 4),
            timestamp: u64(p, 8),
            port: u32(p, 16),
            services: hasServices ? ServiceFlags(rawValue: u64(p, 20)) : nil,
            unparsedTail: Array(p[tailStart...])
        )
    }

    /// GETBLOCKS ignores extra bytes (reference behaviour); GETHEADERS must be exactly 8 (§2.5 item 12).
    private static func decodeRange(_ p: [UInt8], type: MessageType, exact: Bool) throws(PayloadError) -> HeightRange {
        if exact && p.count != HeightRange.size {
            throw PayloadError(type, .badLength, at: 0, field: "range", detail: "\(p.count) bytes, needs 8")
        }
        guard p.count >= HeightRange.size else {
            throw PayloadError(type, .tooShort, at: 0, field: "range", detail: "\(p.count) bytes, needs 8")
        }
        return HeightRange(startHeight: u32(p, 0), count: u32(p, 4))
    }

    private static func decodeDataRequest(_ p: [UInt8]) throws(PayloadError) -> DataRequest {
        switch p.count {
        case 32: return .hash(hash(p, 0))
        case 4: return .height(u32(p, 0))
        default:
            throw PayloadError(.getData, .badLength, at: 0, field: "getdata", detail: "\(p.count) bytes, needs 32 or 4")
        }
    }

    private static func decodeCoherence(_ p: [UInt8]) throws(PayloadError) -> CoherenceMessage {
        guard p.count >= CoherenceMessage.size else {
            throw PayloadError(.coherence, .tooShort, at: 0, field: "coherence", detail: "\(p.count) bytes, needs 8")
        }
        let r = Float(bitPattern: u32(p, 0))
        let psi = Float(bitPattern: u32(p, 4))
        guard r.isFinite else { throw PayloadError(.coherence, .nonFinite, at: 0, field: "coherence.r") }
        guard psi.isFinite else { throw PayloadError(.coherence, .nonFinite, at: 4, field: "coherence.psi") }
        guard r >= 0 && r <= 1 else {
            throw PayloadError(.coherence, .rOutOfRange, at: 0, field: "coherence.r", detail: "\(r)")
        }
        return CoherenceMessage(r: r, psi: psi)
    }

    /// `u32 n, n × hash`. With a `limit` (GETBLOCKDATA, NOTFOUND) the length must be exactly 4 + 32n
    /// (§2.5 item 12); without (BLOCKS) the n hashes must be present and extra bytes are ignored, as the
    /// reference reads them.
    private static func decodeHashList(_ p: [UInt8], type: MessageType, limit: Int?) throws(PayloadError) -> [Hash256] {
        guard p.count >= 4 else {
            throw PayloadError(type, .tooShort, at: 0, field: "n", detail: "\(p.count) bytes, needs 4")
        }
        let n = Int(u32(p, 0))
        if let limit, n > limit {
            throw PayloadError(type, .countOutOfRange, at: 0, field: "n", detail: "n = \(n) > \(limit)")
        }
        let available = (p.count - 4) / 32
        if limit != nil && (p.count - 4) != 32 * n {
            throw PayloadError(type, .badLength, at: 0, field: "n",
                               detail: "n = \(n) needs \(4 + 32 * n) bytes, got \(p.count)")
        }
        guard n <= available else {
            throw PayloadError(type, .truncated, at: 4, field: "hashes", detail: "n = \(n), room for \(available)")
        }
        var hashes: [Hash256] = []
        hashes.reserveCapacity(n)
        for i in 0..<n { hashes.append(hash(p, 4 + 32 * i)) }
        return hashes
    }

    /// `u32 n (≤ 2000), n × 92-byte header`, length exactly 4 + 92n (§2.5 item 12).
    private static func decodeHeaders(_ p: [UInt8]) throws(PayloadError) -> [[UInt8]] {
        guard p.count >= 4 else {
            throw PayloadError(.headers, .tooShort, at: 0, field: "headers.n", detail: "\(p.count) bytes, needs 4")
        }
        let n = Int(u32(p, 0))
        guard n <= WireLimits.maxHeadersPerMessage else {
            throw PayloadError(.headers, .countOutOfRange, at: 0, field: "headers.n", detail: "n = \(n) > 2000")
        }
        guard p.count - 4 == headerSize * n else {
            throw PayloadError(.headers, .badLength, at: 0, field: "headers.n",
                               detail: "n = \(n) needs \(4 + headerSize * n) bytes, got \(p.count)")
        }
        var headers: [[UInt8]] = []
        headers.reserveCapacity(n)
        for i in 0..<n {
            let start = 4 + headerSize * i
            headers.append(Array(p[start..<start + headerSize]))
        }
        return headers
    }
}
