import BloomCore
import BloomWire

extension PeerConnection {
    /// One complete frame: handshake rules, then the classifier, then the per-peer limits.
    mutating func handle(_ frame: Frame, now: Double, into actions: inout [ConnectionAction]) {
        NetMetrics.received(frame.type)
        let verdict = MessageClassifier.classify(frame, peerServices: peerServices)
        switch verdict {
        case .protocolViolation(let error):
            addPoints(1, reason: error.description, into: &actions)
        case .ignore(let reason):
            // Unknown types are free, but a flood of them is a limit breach (§2.5 item 13).
            if unknownTypeBucket.tryConsume(now: now) {
                actions.append(.ignored("\(reason)"))
            } else {
                addPoints(1, reason: "rate limit: unknown types (\(frame.type))", into: &actions)
            }
        case .accept(let message):
            handleAccepted(message, frame: frame, now: now, into: &actions)
        }
    }

    private mutating func handleAccepted(
        _ message: PeerMessage,
        frame: Frame,
        now: Double,
        into actions: inout [ConnectionAction]
    ) {
        switch message {
        case .version(let version):
            receivedVersion(version, now: now, into: &actions)
            return
        case .verack:
            if state == .handshaking {
                completeHandshake(now: now, into: &actions)
            } else {
                actions.append(.ignored("VERACK after the handshake"))
            }
            return
        default:
            break
        }
        guard state == .established else {
            // Before the handshake only VERSION/VERACK are processed (§2.5 item 1).
            addPoints(1, reason: "\(frame.type) before the handshake", into: &actions)
            return
        }
        guard withinLimits(message, now: now, into: &actions) else { return }
        actions.append(.deliver(frame))
    }

    private mutating func receivedVersion(
        _ version: VersionMessage,
        now: Double,
        into actions: inout [ConnectionAction]
    ) {
        guard peerVersion == nil else {
            // A second VERSION is ignored: no VERACK, no point (§2.5 item 1).
            actions.append(.ignored("second VERSION"))
            return
        }
        peerVersion = version
        // Large frames need both bits; our VERSION always went first, so the peer already knows ours.
        if localVersion.advertisedServices.contains(.largeFrames)
            && version.advertisedServices.contains(.largeFrames)
        {
            decoder.largeFramesNegotiated = true
            encoder.largeFramesNegotiated = true
        }
        if let verack = try? encoder.frame(.verack) {
            bytesOut += verack.count
            actions.append(.send(verack))
        }
        actions.append(.peerVersion(version))
        if state == .handshaking { completeHandshake(now: now, into: &actions) }
    }

    private mutating func completeHandshake(now: Double, into actions: inout [ConnectionAction]) {
        state = .established
        handshakeCompletedAt = now
        actions.append(.handshakeCompleted)
    }

    /// The per-peer limits of §2.5 items 5, 12, 13: a breach drops the message and costs one point.
    private mutating func withinLimits(
        _ message: PeerMessage,
        now: Double,
        into actions: inout [ConnectionAction]
    ) -> Bool {
        var breach: String?
        switch message {
        case .phase:
            if !phaseBucket.tryConsume(now: now) { breach = "PHASE over 60 a minute" }
        case .getBlocks:
            if !blockRequestBucket.tryConsume(now: now) { breach = "block requests over 10 a minute" }
        case .getData(.hash(let hash)) where offered.wasOffered(hash, now: now):
            // Answers our own offer: not a block request, but bounded in number (§2.5 item 5).
            if outstandingOfferedGetData >= limits.maxOutstandingOfferedGetData {
                breach = "over \(limits.maxOutstandingOfferedGetData) GETDATA for offered blocks outstanding"
            } else {
                outstandingOfferedGetData += 1
            }
        case .getData:
            if !blockRequestBucket.tryConsume(now: now) { breach = "block requests over 10 a minute" }
        case .getHeaders:
            if !getHeadersBucket.tryConsume(now: now) { breach = "GETHEADERS over 10 a second" }
        case .getBlockData(let hashes):
            if outstandingBulkBlocks + hashes.count > limits.maxOutstandingBulkBlocks {
                breach = "over \(limits.maxOutstandingBulkBlocks) bulk blocks outstanding"
            } else {
                outstandingBulkBlocks += hashes.count
            }
        default:
            break
        }
        guard let breach else { return true }
        addPoints(1, reason: "rate limit: \(breach)", into: &actions)
        return false
    }
}
