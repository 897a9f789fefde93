import BloomBus
import BloomWire
import Logging
import NIOCore

extension NetNode {
    /// A TCP connection is up. Refuses banned IPs, and inbound connections past the limit (unless a connection still
    /// in its handshake, or a peer with a negative consistency score, can be evicted for it); otherwise sends our
    /// VERSION.
    /// - Returns: The connection's id, nil if it was refused.
    func channelActive(_ channel: Channel, direction: PeerConnection.Direction, dialled: PeerEndpoint?) -> PeerID? {
        loop.preconditionInEventLoop()
        let remote = PeerEndpoint(
            host: channel.remoteAddress?.ipAddress ?? "?",
            port: channel.remoteAddress?.port ?? 0
        )
        let localHost = channel.localAddress?.ipAddress ?? configuration.bindHost
        if let dialled { dialling.remove(dialled) }
        // While stopping, an inbound connection the kernel had already accepted is still served its handshake
        // (then closed by the shutdown's drain); new dials are not made.
        guard !(stopping && direction == .outbound), !bans.isBanned(remote.host, now: clock.wall()) else {
            // A refused connection is simply closed (§2.5 item 11).
            channel.close(promise: nil)
            return nil
        }
        if direction == .inbound && !makeInboundRoom(for: remote) {
            logger.debug("inbound refused: full", metadata: [NetLogKeys.address: "\(remote)"])
            channel.close(promise: nil)
            return nil
        }
        let id = ids.next()
        let now = clock.monotonic()
        let entry = PeerEntry(
            id: id,
            channel: channel,
            connection: PeerConnection(
                direction: direction,
                localVersion: localVersion(),
                limits: configuration.limits,
                now: now
            ),
            remote: remote,
            localHost: localHost,
            dialled: dialled,
            wallOffset: clock.wall() - now
        )
        peers[id] = entry
        if let dialled { candidates[dialled]?.delay = configuration.redialDelay }
        logger.debug(
            "connected",
            metadata: [
                NetLogKeys.peer: "\(id)", NetLogKeys.address: "\(remote)",
                NetLogKeys.direction: "\(direction.rawValue)",
            ]
        )
        perform(entry.connection.start(now: now), for: entry)
        flush(id)
        if draining, let shutdownDeadline { _ = closeForShutdown(entry, deadline: shutdownDeadline) }
        return id
    }

    /// Bytes from the socket.
    func received(_ buffer: ByteBuffer, from id: PeerID) {
        guard let entry = peers[id] else { return }
        NetMetrics.bytesIn.increment(by: Int64(buffer.readableBytes))
        let now = clock.monotonic()
        let actions = buffer.withUnsafeReadableBytes { entry.connection.receive($0, now: now) }
        perform(actions, for: entry)
    }

    /// The peer half-closed its side.
    func endOfStream(from id: PeerID) {
        guard let entry = peers[id] else { return }
        perform(entry.connection.endOfStream(now: clock.monotonic()), for: entry)
    }

    /// Writes issued while handling a read go out in one flush.
    func flush(_ id: PeerID) {
        guard let entry = peers[id], entry.needsFlush else { return }
        entry.needsFlush = false
        entry.channel.flush()
    }

    /// Flushes every peer with pending writes once the tasks queued so far have run: a burst of `p2p.out` sends
    /// costs one socket write per peer, not one per frame.
    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute {
            self.flushScheduled = false
            for entry in self.peers.values where entry.needsFlush { self.flush(entry.id) }
        }
    }

    /// The channel's own watermarks count only what it holds, not the bulk queue in front of it: `p2p.flow` comes
    /// from ``updateFlow(_:)`` instead.
    func writabilityChanged(_ id: PeerID, writable: Bool) {
        guard let entry = peers[id] else { return }
        updateFlow(entry)
    }

    /// `p2p.flow` on the edges of everything queued for the peer (channel and bulk queue): full above the high
    /// watermark, open again below the low one (bloom-sync stops serving a full peer, spec §2.5 item 12).
    func updateFlow(_ entry: PeerEntry) {
        let queued = entry.pendingWriteBytes + entry.bulkQueuedBytes
        if !entry.flowFull && queued > configuration.sendQueueHighWater {
            entry.flowFull = true
            sink.handle(.flow(entry.id, open: false))
        } else if entry.flowFull && queued < max(1, configuration.sendQueueLowWater) {
            entry.flowFull = false
            sink.handle(.flow(entry.id, open: true))
        }
    }

    func transportError(_ id: PeerID, error: Error) {
        guard let entry = peers[id] else { return }
        if entry.closeReason == nil { entry.closeReason = .transport("\(error)") }
    }

    /// The socket is gone: forget the peer and announce it.
    func channelInactive(_ id: PeerID) {
        guard let entry = peers.removeValue(forKey: id) else { return }
        // What it still held no longer counts toward the node's cap (its writes' completions find no entry).
        bulkHeldBytes -= entry.bulkHeldBytes
        if entry.announced { countPeers() }
        let reason = entry.closeReason ?? .closedByPeer
        NetMetrics.disconnected(reason)
        logger.info(
            "disconnected",
            metadata: [
                NetLogKeys.peer: "\(id)", NetLogKeys.address: "\(entry.address)",
                NetLogKeys.reason: "\(reason)",
            ]
        )
        if let dialled = entry.dialled, candidates[dialled] != nil {
            scheduleRedial(dialled, now: clock.monotonic())
        }
        if entry.announced {
            sink.handle(.disconnected(id, address: entry.address.description, reason: reason))
        }
    }

    /// Carries out a state machine's actions.
    func perform(_ actions: [ConnectionAction], for entry: PeerEntry) {
        for action in actions {
            switch action {
            case .send(let bytes):
                write(bytes, to: entry)
            case .handshakeCompleted:
                // A duplicate closed while its VERSION was handled is never announced.
                guard entry.closeReason == nil else { continue }
                entry.announced = true
                countPeers()
                sink.handle(.connected(entry.snapshot, version: entry.connection.peerVersion))
            case .peerVersion(let version):
                learnedListenAddress(version, for: entry)
            case .deliver(let frame):
                sink.handle(.message(entry.id, frame))
            case .penalised(let points, let reason):
                NetMetrics.misbehaviourPoints.increment(by: Int64(points))
                logger.info(
                    "penalised",
                    metadata: [
                        NetLogKeys.peer: "\(entry.id)", NetLogKeys.reason: "\(reason)",
                        NetLogKeys.points: "\(points)",
                    ]
                )
            case .ignored(let why):
                logger.trace("ignored", metadata: [NetLogKeys.peer: "\(entry.id)", NetLogKeys.reason: "\(why)"])
            case .notSent(let why):
                logger.info("not sent", metadata: [NetLogKeys.peer: "\(entry.id)", NetLogKeys.reason: "\(why)"])
            case .disconnect(let reason):
                closeChannel(entry, reason)
            }
        }
    }

    /// Sets `bloom_peers{direction}` from the established peers (after each connect and disconnect).
    func countPeers() {
        var inbound = 0
        var outbound = 0
        for entry in peers.values where entry.announced {
            if entry.connection.direction == .inbound { inbound += 1 } else { outbound += 1 }
        }
        NetMetrics.inbound.record(inbound)
        NetMetrics.outbound.record(outbound)
    }

    /// Closes through the state machine, so it stops processing input.
    func close(_ entry: PeerEntry, _ reason: DisconnectReason) {
        let actions = entry.connection.disconnect(reason)
        if actions.isEmpty { closeChannel(entry, reason) } else { perform(actions, for: entry) }
    }

    private func closeChannel(_ entry: PeerEntry, _ reason: DisconnectReason) {
        if entry.closeReason == nil { entry.closeReason = reason }
        // `.banned` closes follow a ban already recorded (with its own duration); misbehaviour bans here.
        if case .misbehaviour = reason {
            do {
                try bans.ban(entry.remote.host, duration: configuration.banTime, reason: "\(reason)", now: clock.wall())
                NetMetrics.bans.increment()
            } catch {
                logger.error("ban list not saved", metadata: [NetLogKeys.error: "\(error)"])
            }
            logger.notice(
                "banned",
                metadata: [
                    NetLogKeys.address: "\(entry.remote.host)",
                    NetLogKeys.reason: "\(reason)",
                ]
            )
            // Bans are by IP: the address's other connections go too.
            for other in peers.values where other !== entry && other.remote.host == entry.remote.host {
                close(other, .banned)
            }
        }
        if entry.needsFlush {
            entry.needsFlush = false
            entry.channel.flush()
        }
        entry.channel.close(promise: nil)
    }

    /// Hands a frame to the channel; `bulkPayload` (an answer's payload size) makes it a bulk frame: within the
    /// peer's bulk budget, and reported to bloom-sync as written once the socket took it.
    func write(_ bytes: [UInt8], to entry: PeerEntry, bulkPayload: Int? = nil) {
        let count = bytes.count
        let queued = entry.pendingWriteBytes + entry.bulkQueuedBytes + count
        guard queued <= configuration.maxSendQueueBytes else {
            // A peer that does not read is dropped rather than buffered for (issue 4, item 3).
            close(entry, .sendQueueOverflow(bytes: queued))
            return
        }
        entry.pendingWriteBytes += count
        if bulkPayload != nil { adjustBulk(entry, inFlight: count) }
        NetMetrics.bytesOut.increment(by: Int64(count))
        let promise = loop.makePromise(of: Void.self)
        let id = entry.id
        // Runs on the loop (the promise is the loop's): the entry may be gone by then, which is fine. A bulk frame
        // written makes room for the next one; a failed write does not (the channel is closing, and a write to a
        // closed channel fails at once, so pumping from here would recurse through the whole queue).
        promise.futureResult.whenComplete { result in
            guard let entry = self.peers[id] else { return }
            entry.pendingWriteBytes -= count
            if let bulkPayload {
                self.adjustBulk(entry, inFlight: -count)
                if case .success = result { self.pumpBulk(entry) }
                self.bulkDone(entry, bytes: bulkPayload)
            }
            self.updateFlow(entry)
        }
        entry.channel.write(entry.channel.allocator.buffer(bytes: bytes), promise: promise)
        entry.needsFlush = true
        updateFlow(entry)
    }

    /// Inbound slots: room if under the limit; else, as Bitcoin Core evicts an inbound peer for a newcomer, the
    /// oldest connection still in its handshake makes room (slowloris: 116 connections that never finish would
    /// otherwise hold every slot until the handshake timeout, and refuse an honest peer meanwhile), or else the
    /// worst-scored inbound peer if its score is negative (spec §9: prefer peers whose phase reports are
    /// consistent). A handshaken peer is never evicted for a newcomer but for its score.
    ///
    /// The oldest rather than a random one: an honest peer finishes its handshake within a round trip, so the
    /// oldest is the one most surely stalling, and it was nearest its timeout anyway; an attacker that wants to
    /// push out an honest peer's fresh connection must open a slot's worth of connections within that round trip.
    private func makeInboundRoom(for remote: PeerEndpoint) -> Bool {
        let inbound = peers.values.filter { $0.connection.direction == .inbound && !$0.connection.isClosed }
        if inbound.count < configuration.maxInbound { return true }
        if let oldest = inbound.filter({ !$0.connection.isEstablished })
            .min(by: { $0.connection.startedAt < $1.connection.startedAt })
        {
            logger.info(
                "evicted in handshake",
                metadata: [
                    NetLogKeys.peer: "\(oldest.id)", NetLogKeys.address: "\(oldest.remote)",
                    "bloom.newcomer": "\(remote)",
                ]
            )
            close(oldest, .evictedInHandshake)
            return true
        }
        guard let worst = inbound.min(by: { $0.consistencyScore < $1.consistencyScore }),
            worst.consistencyScore < 0
        else { return false }
        close(worst, .evicted)
        return true
    }

    /// The peer's VERSION tells where it listens: enforce one connection per address, and no self-connection.
    private func learnedListenAddress(_ version: VersionMessage, for entry: PeerEntry) {
        if entry.connection.direction == .inbound {
            entry.listenAddress = PeerEndpoint(host: entry.remote.host, port: Int(version.port))
        }
        let address = entry.address
        let ourPort = listeningPort ?? configuration.port
        if entry.connection.direction == .inbound && entry.remote.host == entry.localHost && address.port == ourPort {
            // Our own VERSION came back: we dialled ourselves. Never dial that address again.
            selfAddresses.insert(address)
            close(entry, .selfConnection)
            for other in peers.values where other.dialled == address { close(other, .selfConnection) }
            return
        }
        if entry.announced {
            sink.handle(.connected(entry.snapshot, version: version))
        }
        guard
            let other = peers.values.first(where: {
                $0 !== entry && !$0.connection.isClosed && $0.listenAddress == address
            })
        else { return }
        // Mutual dial: keep the connection started by the lower (ip, port), so both ends keep the same one.
        let loser: PeerEntry
        if entry.connection.direction != other.connection.direction {
            let outbound = entry.connection.direction == .outbound ? entry : other
            let inbound = outbound === entry ? other : entry
            let us = PeerEndpoint(host: outbound.localHost, port: ourPort)
            loser = us < address ? inbound : outbound
        } else {
            loser = entry
        }
        close(loser, .duplicate)
    }
}
