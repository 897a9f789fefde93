import BloomBus
import BloomWire

/// Answers to peers' requests (`p2p.out` with the bulk flag, issue 15): behind relays, within each peer's bulk
/// budget, under a node-wide cap, and acknowledged to bloom-sync as they are written.
///
/// bloom-sync hands out at most its credit (256 KiB) of answers per peer and waits for `p2p.flow written` before it
/// sends more, so what it sends a peer that does not read stays in bloom-sync as block hashes, not here as bytes,
/// and a relay never queues on the bus behind megabytes of answers. The node-wide cap
/// (``NetConfiguration/maxBulkHeldBytes``) is the backstop for when that fails (credit written off after a lost
/// report): bloom-net cannot defer bytes it already holds, so a peer over its share is dropped (as a peer over
/// ``NetConfiguration/maxSendQueueBytes`` is), and one that reads never gets there.
extension NetNode {
    /// Queues an answer to the peer's request behind its relays; it goes out as the bulk budget allows.
    func queueBulk(type: MessageType, payload: [UInt8], for entry: PeerEntry) {
        let queued = entry.pendingWriteBytes + entry.bulkQueuedBytes + payload.count
        guard queued <= configuration.maxSendQueueBytes else {
            // A peer that does not read is dropped rather than buffered for (issue 4, item 3).
            close(entry, .sendQueueOverflow(bytes: queued))
            return
        }
        guard withinBulkCap(adding: payload.count, for: entry) else {
            logger.info(
                "answers over the node's cap",
                metadata: [
                    NetLogKeys.peer: "\(entry.id)", "bloom.held_bytes": "\(entry.bulkHeldBytes)",
                    "bloom.node_held_bytes": "\(bulkHeldBytes)",
                ]
            )
            close(entry, .sendQueueOverflow(bytes: entry.bulkHeldBytes + payload.count))
            return
        }
        entry.bulkQueue.append((type, payload))
        adjustBulk(entry, queued: payload.count)
        pumpBulk(entry)
        updateFlow(entry)
    }

    /// Whether `entry` may hold `bytes` more: always while the node is under its cap; over it, only within the
    /// peer's share (the cap over the number of peers holding answers, this one included).
    func withinBulkCap(adding bytes: Int, for entry: PeerEntry) -> Bool {
        let cap = max(1, configuration.maxBulkHeldBytes)
        guard bulkHeldBytes + bytes > cap else { return true }
        let holders = peers.values.filter { $0.bulkHeldBytes > 0 || $0 === entry }.count
        return entry.bulkHeldBytes + bytes <= cap / max(1, holders)
    }

    /// Hands queued bulk answers to the channel while its bulk bytes stay under the budget.
    func pumpBulk(_ entry: PeerEntry) {
        var wrote = false
        while entry.bulkInFlightBytes < max(1, configuration.bulkBytesInFlight), !entry.connection.isClosed,
            let next = entry.bulkQueue.popFirst()
        {
            adjustBulk(entry, queued: -next.payload.count)
            var sent = false
            for action in entry.connection.send(type: next.type, payload: next.payload, now: clock.monotonic()) {
                if case .send(let bytes) = action {
                    write(bytes, to: entry, bulkPayload: next.payload.count)
                    wrote = true
                    sent = true
                } else {
                    perform([action], for: entry)
                }
            }
            // Not sendable to this peer (logged): bloom-sync gets its credit back all the same.
            if !sent { bulkDone(entry, bytes: next.payload.count) }
        }
        if wrote { scheduleFlush() }
    }

    /// Changes what `entry` holds, and the node's total with it.
    func adjustBulk(_ entry: PeerEntry, queued: Int = 0, inFlight: Int = 0) {
        entry.bulkQueuedBytes += queued
        entry.bulkInFlightBytes += inFlight
        bulkHeldBytes += queued + inFlight
    }

    /// `bytes` of the peer's answers left bloom-net: reported in chunks of ``NetConfiguration/bulkWrittenReport``,
    /// and at once when none of its answers is left here (so the last ones never wait for the tick).
    func bulkDone(_ entry: PeerEntry, bytes: Int) {
        entry.bulkWritten += bytes
        if entry.bulkWritten >= max(1, configuration.bulkWrittenReport) || entry.bulkHeldBytes == 0 {
            reportWritten(entry)
        }
    }

    /// `p2p.flow written` with what was written since the last report, if anything.
    func reportWritten(_ entry: PeerEntry) {
        guard entry.bulkWritten > 0 else { return }
        let bytes = entry.bulkWritten
        entry.bulkWritten = 0
        sink.handle(.written(entry.id, bytes: bytes))
    }
}
