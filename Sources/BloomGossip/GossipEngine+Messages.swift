import BloomCore
import BloomWire

extension GossipEngine {
    /// A frame from a peer (`p2p.in.<type>`), raw payload: the one entry point a fuzzer can call.
    ///
    /// | type | checks, in order | on failure | on success |
    /// | --- | --- | --- | --- |
    /// | PHASE | rate (60/min), §2.5 item 10 decode | penalise, drop | store, consistency evidence |
    /// | COHERENCE | §2.5 item 10 decode | penalise, drop | store, jump evidence |
    /// | GETPHASE | none | — | answered at the next tick |
    /// | BLOOM | dedupe, rate (20, 2/s), strict decode, §4.6 verify | drop; penalise + evidence | expect + relay |
    /// | anything else | — | ignored | — |
    public mutating func receive(type: MessageType, payload: [UInt8], from peer: GossipPeer, now: Double)
        -> [GossipAction]
    {
        switch type {
        case .phase: return receivePhase(payload, from: peer, now: now)
        case .coherence: return receiveCoherence(payload, from: peer, now: now)
        case .getPhase:
            _ = record(peer, now: now)
            sharing.phaseRequested(by: peer)
            return []
        case .bloom: return receiveBloom(payload, from: peer, now: now)
        default: return []
        }
    }

    private mutating func receivePhase(_ payload: [UInt8], from peer: GossipPeer, now: Double) -> [GossipAction] {
        var entry = record(peer, now: now)
        // Spend the token before decoding, so a flood of garbage is limited as well as a flood of good PHASEs.
        let allowed = entry.phaseBucket.tryConsume(now: now)
        peers[peer] = entry
        guard allowed else {
            return [.penalise(peer: peer, points: configuration.protocolViolationPoints, reason: "phase_rate_limit")]
        }
        let message: PhaseMessage
        do {
            message = try PhaseMessage(decoding: payload)
        } catch {
            return [.penalise(peer: peer, points: configuration.protocolViolationPoints, reason: error.reason.rawValue)]
        }
        let phases = message.phases.map(Double.init)
        let claimed = Double(message.r)
        let (recomputed, consistent) = configuration.rules.checkClaimedR(claimed, phases: phases)
        var actions: [GossipAction] = []
        if let jump = jumpEvidence(peer: peer, r: claimed, now: now) { actions.append(jump) }
        if let penalty = note(consistent ? .consistentReport : .inconsistentR, peer: peer, now: now) {
            actions.append(penalty)
        }
        entry = peers[peer] ?? entry
        entry.phase = PeerPhaseState(
            phases: phases,
            claimedR: claimed,
            recomputedR: recomputed,
            psi: Double(message.psi),
            receivedAt: now
        )
        entry.lastReport = (claimed, now)
        peers[peer] = entry
        phasesSinceIncorporation += 1
        return actions
    }

    private mutating func receiveCoherence(_ payload: [UInt8], from peer: GossipPeer, now: Double) -> [GossipAction] {
        _ = record(peer, now: now)
        guard let message = Self.decodeCoherence(payload) else {
            return [.penalise(peer: peer, points: configuration.protocolViolationPoints, reason: "bad_coherence")]
        }
        let r = Double(message.r)
        var actions: [GossipAction] = []
        if let jump = jumpEvidence(peer: peer, r: r, now: now) { actions.append(jump) }
        peers[peer]?.coherence = PeerCoherence(r: r, psi: Double(message.psi), receivedAt: now)
        peers[peer]?.lastReport = (r, now)
        return actions
    }

    /// COHERENCE (spec §2.5 item 10): ≥ 8 bytes (extra ignored), both values finite, r ∈ [0, 1].
    static func decodeCoherence(_ payload: [UInt8]) -> CoherenceMessage? {
        guard payload.count >= CoherenceMessage.size else { return nil }
        let r = Float(bitPattern: littleEndianU32(payload, at: 0))
        let psi = Float(bitPattern: littleEndianU32(payload, at: 4))
        guard r.isFinite, psi.isFinite, r >= 0, r <= 1 else { return nil }
        return CoherenceMessage(r: r, psi: psi)
    }

    private static func littleEndianU32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        // Callers check offset + 4 <= bytes.count.
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private mutating func jumpEvidence(peer: GossipPeer, r: Double, now: Double) -> GossipAction? {
        guard let last = peers[peer]?.lastReport,
            configuration.rules.isImpossibleJump(from: last.r, at: last.at, to: r, now: now)
        else { return nil }
        return note(.impossibleJump, peer: peer, now: now)
    }

    private mutating func receiveBloom(_ payload: [UInt8], from peer: GossipPeer, now: Double) -> [GossipAction] {
        var entry = record(peer, now: now)
        let key = SeenCertificates.key(of: payload)
        // Known valid: a relay wave brings the same BLOOM from several peers; drop it without re-verifying.
        if seenCertificates.contains(key) { return [] }
        let allowed = entry.bloomBucket.tryConsume(now: now)
        peers[peer] = entry
        guard allowed else { return [] }
        let failure: String?
        do {
            let certificate = try ConsensusCertificate(decoding: payload)
            failure = certificate.verify()?.rawValue
        } catch {
            failure = "decode_error"
        }
        if let failure {
            var actions: [GossipAction] = [
                .penalise(peer: peer, points: configuration.invalidCertificatePoints, reason: "bloom_\(failure)")
            ]
            if let penalty = note(.invalidCertificate, peer: peer, now: now) { actions.append(penalty) }
            return actions
        }
        seenCertificates.insert(key)
        var actions: [GossipAction] = [
            .expect(announcer: peer, certificateHash: key),
            .send(type: .bloom, payload: payload, target: .allExcept(peer)),
        ]
        if let last = entry.lastReport,
            configuration.rules.bloomContradicts(latestR: last.r, reportTime: last.at, now: now),
            let penalty = note(.contradictingBloom, peer: peer, now: now)
        {
            actions.append(penalty)
        }
        return actions
    }
}
