import BloomCore

/// `gossip.sealed`: the local ensemble bloomed. bloom-sync builds the block (timestamp max(now, parent + 1),
/// mempool transactions, coinbase to the reward address), stores and announces it, or drops the seal if the tip
/// has moved past `prevHash`.
public struct GossipSealed: BusPayload, Hashable {
    /// The tip the block builds on; bloom-sync drops the seal if the tip has moved.
    public var prevHash: Hash256
    /// Header nonce (the Lucas prefix input, spec §6).
    public var nonce: UInt32
    /// Header order parameter; carried as its exact f32 bits (NaN payloads included: bloom-sync validates).
    public var orderParameter: Float
    /// Header mean phase, exact f32 bits.
    public var meanPhase: Float
    /// Oscillator count N.
    public var oscillatorCount: UInt32
    /// The serialized consensus certificate (spec §4.6).
    public var certificate: [UInt8]

    /// A seal from its parts.
    public init(
        prevHash: Hash256,
        nonce: UInt32,
        orderParameter: Float,
        meanPhase: Float,
        oscillatorCount: UInt32,
        certificate: [UInt8]
    ) {
        self.prevHash = prevHash
        self.nonce = nonce
        self.orderParameter = orderParameter
        self.meanPhase = meanPhase
        self.oscillatorCount = oscillatorCount
        self.certificate = certificate
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        prevHash = try reader.readHash("sealed.prev_hash")
        nonce = try reader.readU32("sealed.nonce")
        orderParameter = try reader.readF32("sealed.r")
        meanPhase = try reader.readF32("sealed.psi")
        oscillatorCount = try reader.readU32("sealed.n")
        certificate = try BusStrings.readRest(&reader, "sealed.certificate")
    }

    public func encode(into writer: inout ByteWriter) {
        writer.hash(prevHash)
        writer.u32(nonce)
        writer.f32(orderParameter)
        writer.f32(meanPhase)
        writer.u32(oscillatorCount)
        writer.append(certificate)
    }

    // Equality on bits, so that NaN payloads compare as the bytes they are.
    public static func == (a: GossipSealed, b: GossipSealed) -> Bool {
        a.prevHash == b.prevHash && a.nonce == b.nonce && a.orderParameter.bitPattern == b.orderParameter.bitPattern
            && a.meanPhase.bitPattern == b.meanPhase.bitPattern && a.oscillatorCount == b.oscillatorCount
            && a.certificate == b.certificate
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(prevHash)
        hasher.combine(nonce)
        hasher.combine(orderParameter.bitPattern)
        hasher.combine(meanPhase.bitPattern)
        hasher.combine(oscillatorCount)
        hasher.combine(certificate)
    }
}

/// `gossip.expect`: a peer announced a valid BLOOM whose certificate is new; bloom-sync fetches the block.
public struct GossipExpect: BusPayload, Hashable {
    /// The peer that sent the BLOOM.
    public var announcer: PeerID
    /// SHA-256 of the certificate bytes (a certificate does not name its block, spec §5.1).
    public var certificateHash: Hash256

    /// An expectation from its parts.
    public init(announcer: PeerID, certificateHash: Hash256) {
        self.announcer = announcer
        self.certificateHash = certificateHash
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        announcer = try BusStrings.readPeer(&reader, "expect.announcer")
        certificateHash = try reader.readHash("expect.certificate_hash")
    }

    public func encode(into writer: inout ByteWriter) {
        writer.u64(announcer.rawValue)
        writer.hash(certificateHash)
    }
}

/// `gossip.score`: a peer's consistency score (0 neutral, negative bad, as gossipsub).
public struct GossipScore: BusPayload, Hashable {
    /// The scored peer.
    public var peer: PeerID
    /// Finite; NaN and infinities are rejected by the decoder.
    public var score: Double

    /// A score (the encoder does not check finiteness; the decoder rejects NaN and infinities).
    public init(peer: PeerID, score: Double) {
        self.peer = peer
        self.score = score
    }

    public init(from reader: inout ByteReader) throws(DecodeError) {
        peer = try BusStrings.readPeer(&reader, "score.peer")
        let at = reader.offset
        let value = Double(bitPattern: try reader.readU64("score.value"))
        if !value.isFinite {
            throw DecodeError(.invalidValue, at: at, field: "score.value", detail: "\(value) is not finite")
        }
        score = value
    }

    public func encode(into writer: inout ByteWriter) {
        writer.u64(peer.rawValue)
        writer.u64(score.bitPattern)
    }
}
