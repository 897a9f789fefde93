import BloomCore

extension PeerMessage {
    /// The payload size in bytes, computed without encoding.
    public var payloadLength: Int {
        switch self {
        case .version(let v):
            VersionMessage.baseSize + (v.services == nil ? 0 : 8) + v.unparsedTail.count
        case .verack, .getPhase: 0
        case .getBlocks, .getHeaders: HeightRange.size
        case .blocks(let hashes), .getBlockData(let hashes), .notFound(let hashes): 4 + 32 * hashes.count
        case .getData(.hash): 32
        case .getData(.height): 4
        case .block(let bytes), .tx(let bytes), .bloom(let bytes): bytes.count
        case .phase(let p): p.payloadLength
        case .coherence: CoherenceMessage.size
        case .headers(let headers): 4 + headers.reduce(0) { $0 + $1.count }
        }
    }

    /// Appends the payload (no frame header).
    ///
    /// HEADERS elements are written as given; build them with exactly 92 bytes each (the decoder guarantees it).
    public func encodePayload(into writer: inout ByteWriter) {
        switch self {
        case .version(let v):
            writer.u32(v.protocolVersion)
            writer.u32(v.height)
            writer.u64(v.timestamp)
            writer.u32(v.port)
            if let services = v.services { writer.u64(services.rawValue) }
            writer.append(v.unparsedTail)
        case .verack, .getPhase:
            break
        case .getBlocks(let range), .getHeaders(let range):
            writer.u32(range.startHeight)
            writer.u32(range.count)
        case .blocks(let hashes), .getBlockData(let hashes), .notFound(let hashes):
            writer.u32(UInt32(truncatingIfNeeded: hashes.count))
            for hash in hashes { writer.hash(hash) }
        case .getData(.hash(let hash)):
            writer.hash(hash)
        case .getData(.height(let height)):
            writer.u32(height)
        case .block(let bytes), .tx(let bytes), .bloom(let bytes):
            writer.append(bytes)
        case .phase(let p):
            p.encode(into: &writer)
        case .coherence(let c):
            writer.f32(c.r)
            writer.f32(c.psi)
        case .headers(let headers):
            writer.u32(UInt32(truncatingIfNeeded: headers.count))
            for header in headers { writer.append(header) }
        }
    }

    /// The payload bytes (no frame header).
    public func encodedPayload() -> [UInt8] {
        var writer = ByteWriter(capacity: payloadLength)
        encodePayload(into: &writer)
        return writer.bytes
    }
}
