import BloomCore
import BloomWire

extension PeerConnection {
    /// Frames a message from the bus (`p2p.out`) for this peer.
    ///
    /// Not sent (``ConnectionAction/notSent(_:)``): before the handshake, after close, a bulk-sync type to a peer
    /// without `BULK_SYNC`, or a payload too large for the peer's frames (§2.5 items 3, 12). Blocks listed in
    /// BLOCKS or HEADERS, or relayed as BLOCK, are remembered as offered (§2.5 item 5); a BLOCK or NOTFOUND sent
    /// settles outstanding requests.
    public mutating func send(type: MessageType, payload: [UInt8], now: Double) -> [ConnectionAction] {
        guard state == .established else { return [.notSent("\(type): connection not established")] }
        if type.isBulkSync && !peerServices.contains(.bulkSync) {
            return [.notSent("\(type): peer lacks BULK_SYNC")]
        }
        let bytes: [UInt8]
        do {
            bytes = try encoder.frame(type: type, payload: payload)
        } catch {
            return [.notSent(error.description)]
        }
        bytesOut += bytes.count
        NetMetrics.sent(type)
        recordSent(type: type, payload: payload, now: now)
        return [.send(bytes)]
    }

    private mutating func recordSent(type: MessageType, payload: [UInt8], now: Double) {
        switch type {
        case .blocks:
            // u32 n, then hashes: whatever whole hashes are there are offers.
            var offset = 4
            while offset + 32 <= payload.count {
                if let hash = Hash256(bytes: payload[offset..<offset + 32]) { offered.offer(hash, now: now) }
                offset += 32
            }
        case .headers:
            var offset = 4
            while offset + PeerMessage.headerSize <= payload.count {
                if let header = try? BlockHeader(decoding: payload[offset..<offset + PeerMessage.headerSize]) {
                    offered.offer(header.hash, now: now)
                }
                offset += PeerMessage.headerSize
            }
        case .block:
            if payload.count >= BlockHeader.size,
                let header = try? BlockHeader(decoding: payload[0..<BlockHeader.size])
            {
                offered.offer(header.hash, now: now)
            }
            if outstandingOfferedGetData > 0 {
                outstandingOfferedGetData -= 1
            } else if outstandingBulkBlocks > 0 {
                outstandingBulkBlocks -= 1
            }
        case .notFound:
            let listed = max(0, (payload.count - 4) / 32)
            outstandingBulkBlocks = max(0, outstandingBulkBlocks - listed)
        default:
            break
        }
    }

    /// Whether a payload of `length` bytes could be framed for this peer.
    public func canSend(payloadLength length: Int) -> Bool { encoder.canFrame(payloadLength: length) }
}
