import Dispatch
import BloomBus
import BloomChain
import BloomCore
import BloomWire

/// bloom-sync's logic: the chain (engine over the SQLite store), the mempool, serving peers and downloading,
/// driven by ``SyncEvent``s and returning ``SyncAction``s.
///
/// Each call to ``handle(_:now:wallClock:)`` is one store batch: every block it accepts is committed in one
/// SQLite transaction before any action is returned, so nothing is announced (relayed, published as the tip)
/// that a crash could take back.
///
/// Ownership: one owner (the service's chain thread). Not `Sendable`.
public final class SyncCore {
    /// Points for a peer that sent an invalid block, header chain or certificate: Bitcoin Core disconnects at
    /// once for an invalid block; 10 points is bloom-net's disconnect-and-ban threshold (§2.5 item 13).
    public static let invalidBlockPoints: UInt32 = 10

    /// The chain rules over the SQLite store (read it for queries; only the core writes).
    public let engine: ChainEngine<SQLiteChainStore>
    /// Unconfirmed transactions.
    public private(set) var mempool: Mempool
    /// Where coinbases of blocks sealed here pay.
    public let rewardAddress: Hash256
    /// Download progress, sampled after every batch.
    public private(set) var progress = SyncProgress()
    var server: BlockServer
    var downloader: Downloader
    var peers: [PeerID: SyncPeer] = [:]
    private var lastPublishedTip: BloomChain.ChainTip

    /// A core over `engine` (already open on its store), with an empty mempool; `answerWindow` bounds each peer's
    /// answers not yet acknowledged by bloom-net (``BlockServer/window``; nil where nothing acknowledges).
    public init(
        engine: ChainEngine<SQLiteChainStore>,
        rewardAddress: Hash256,
        mempool: Mempool.Configuration = .init(),
        download: Downloader.Configuration = .init(),
        answerWindow: Int? = BlockServer.defaultWindow
    ) {
        self.server = BlockServer(window: answerWindow)
        self.engine = engine
        self.rewardAddress = rewardAddress
        self.mempool = Mempool(configuration: mempool)
        self.downloader = Downloader(tip: engine.tip, configuration: download)
        self.lastPublishedTip = engine.tip
        SyncMetrics.prepare()
        SyncMetrics.record(height: engine.tip.height, target: 0, mempool: 0)
    }

    /// The best tip.
    public var tip: BloomChain.ChainTip { engine.tip }

    /// The best tip as `chain.tip` announces it: with its parent, and the SHA-256 of its certificate so that
    /// bloom-gossip recognises the block built on its own seal.
    /// - Throws: ``ChainError`` when the store fails or no longer holds the tip's block (a corrupt store).
    public func announcedTip() throws(ChainError) -> BloomBus.ChainTip {
        let tip = engine.tip
        guard let bytes = try engine.blockBytes(tip.hash) else {
            throw ChainError(.corruptStore, "the tip \(tip.hash.hex) has no stored block")
        }
        let block: Block
        do {
            block = try Block(decoding: bytes)
        } catch {
            throw ChainError(.corruptStore, "the tip \(tip.hash.hex) no longer decodes: \(error)")
        }
        return BloomBus.ChainTip(
            height: tip.height,
            hash: tip.hash,
            parentHash: block.header.prevHash,
            certificateHash: block.certificate.digest
        )
    }

    /// Peers whose requests should wait (answers pending, no credit, paused) and peers to serve more now.
    public var serving: BlockServer.Serving { server.serving }

    /// Connected peers as known to the sync logic.
    public var knownPeers: [SyncPeer] { peers.keys.sorted().compactMap { downloader.peer($0) ?? peers[$0] } }

    /// Handles `events` in one store batch.
    ///
    /// - Parameters:
    ///   - now: a monotonic clock in seconds (rate limits, timeouts).
    ///   - wallClock: Unix seconds (block timestamps).
    /// - Throws: ``ChainError`` when the store fails; the batch is then lost and the owner must reopen.
    public func handle(_ events: [SyncEvent], now: Double, wallClock: UInt32) throws(ChainError) -> [SyncAction] {
        var actions: [SyncAction] = []
        try engine.store.beginBatch()
        for event in events {
            actions += try process(event, now: now, wallClock: wallClock)
            actions += try drainDownloaded(now: now, wallClock: wallClock)
        }
        // Requests once per batch, not per message: a batch of arriving blocks frees room for one request.
        actions += downloader.schedule(tip: tip, now: now)
        // The pool's changes commit with the blocks that caused them: a crash keeps both or neither.
        try engine.store.saveMempoolChanges(mempool.takeChanges())
        try engine.store.commitBatch()
        progress.sample(height: tip.height, target: downloader.targetHeight, now: now)
        SyncMetrics.record(height: tip.height, target: downloader.targetHeight, mempool: mempool.count)
        if tip != lastPublishedTip {
            lastPublishedTip = tip
            actions.append(.publishTip(try announcedTip()))
        }
        return actions
    }

    private func process(_ event: SyncEvent, now: Double, wallClock: UInt32) throws(ChainError) -> [SyncAction] {
        switch event {
        case .peerConnected(let peer):
            // A bloom-net replica that restarted lost every connection it had: forget its old peers (DESIGN.md,
            // "Heartbeats": peers of a replica whose boot id changed are gone).
            for old in peers.keys where old.replica == peer.id.replica && old.bootID != peer.id.bootID {
                _ = try process(.peerGone(old), now: now, wallClock: wallClock)
            }
            // A peer announced again (bloom-net answering a hello) is the same connection: its serving budget and
            // its requests in flight carry on.
            if peers.updateValue(peer, forKey: peer.id) == nil { server.connect(peer.id, now: now) }
            downloader.peerConnected(peer, now: now)
            return []
        case .peerGone(let id):
            peers[id] = nil
            server.disconnect(id)
            downloader.peerGone(id)
            return []
        case .flow(let id, let open):
            server.flow(id, open: open)
            return []
        case .written(let id, let bytes):
            server.acknowledged(id, bytes: bytes, now: now)
            return []
        case .serve(let id):
            guard let peer = downloader.peer(id) ?? peers[id] else { return [] }
            return try server.serve(peer, chain: engine, now: now)
        case .message(let id, let message):
            return try receive(message, from: id, now: now, wallClock: wallClock)
        case .sealed(let seal):
            return try buildSealed(seal, wallClock: wallClock, now: now)
        case .expect(let expectation):
            // The announcer has a block above our tip (spec §2.5 item 8): let the scheduler ask it.
            downloader.peerHas(expectation.announcer, height: tip.height + 1)
            return []
        case .hello(let sender):
            // A service that just joined missed every `chain.tip` edge (ServiceHello); our own hello needs nothing.
            guard sender.service != .sync else { return [] }
            return [.publishTip(try announcedTip())]
        case .tick:
            // An acknowledgement lost on the bus must not leave a peer unserved for good.
            let expired = server.expireCredits(now: now)
            if !expired.isEmpty { SyncMetrics.expiredCredits.increment(by: Int64(expired.count)) }
            return []
        }
    }

    private func receive(
        _ message: PeerMessage,
        from id: PeerID,
        now: Double,
        wallClock: UInt32
    ) throws(ChainError) -> [SyncAction] {
        let peer = downloader.peer(id) ?? peers[id] ?? SyncPeer(id: id, height: 0, services: [])
        if let answer = try server.answer(message, from: peer, chain: engine, now: now) { return answer }
        let isKnown: (Hash256) throws(ChainError) -> UInt32? = { [engine] hash throws(ChainError) in
            try engine.entry(hash)?.height
        }
        switch message {
        case .block(let bytes):
            if let hash = try? BlockHeader(decoding: bytes.prefix(BlockHeader.size)).hash,
                downloader.blockReceived(hash, bytes: bytes, from: id)
            {
                return []
            }
            return try submit(bytes, from: id, now: now, wallClock: wallClock)
        case .tx(let payload):
            return try acceptTransaction(payload, from: id)
        case .headers(let raw):
            return listOutcome(try downloader.headersReceived(raw, from: id, isKnown: isKnown), from: id)
        case .blocks(let hashes):
            return listOutcome(try downloader.hashesReceived(hashes, from: id, isKnown: isKnown), from: id)
        case .notFound(let hashes):
            downloader.notFound(hashes, from: id)
            return []
        default:
            // VERSION, PHASE, BLOOM…: other services' business.
            return []
        }
    }

    private func listOutcome(_ outcome: Downloader.ListOutcome, from id: PeerID) -> [SyncAction] {
        switch outcome {
        case .invalid(let reason):
            return [.penalise(id, points: Self.invalidBlockPoints, reason: "invalid header chain: \(reason)")]
        case .planned, .notConnected, .unsolicited:
            return []
        }
    }

    /// Submits downloaded bodies that extend the tip, in order.
    private func drainDownloaded(now: Double, wallClock: UInt32) throws(ChainError) -> [SyncAction] {
        var actions: [SyncAction] = []
        while let body = downloader.takeReady() {
            let verdict = try validate(body.bytes, wallClock: wallClock)
            try apply(verdict, bytes: body.bytes, from: body.from, now: now, into: &actions)
            if verdict.verdict == .reject {
                // The peer's header chain promised this block; the rest of that plan is not trusted either.
                downloader.downloadedBlockInvalid(from: body.from, tip: tip, now: now)
                break
            }
        }
        return actions
    }

    /// Validates and stores one block; relays it and updates the mempool when it is new.
    func submit(_ bytes: [UInt8], from sender: PeerID?, now: Double, wallClock: UInt32) throws(ChainError)
        -> [SyncAction]
    {
        let verdict = try validate(bytes, wallClock: wallClock)
        var actions: [SyncAction] = []
        try apply(verdict, bytes: bytes, from: sender, now: now, into: &actions)
        return actions
    }

    /// The chain rules' verdict on a block, timed for `bloom_block_validation_seconds`.
    private func validate(_ bytes: [UInt8], wallClock: UInt32) throws(ChainError) -> BlockVerdict {
        let start = DispatchTime.now()
        defer { SyncMetrics.validation.recordInterval(since: start) }
        return try engine.submit(bytes, now: wallClock)
    }

    private func apply(
        _ verdict: BlockVerdict,
        bytes: [UInt8]?,
        from sender: PeerID?,
        now: Double,
        into actions: inout [SyncAction]
    ) throws(ChainError) {
        switch verdict.verdict {
        case .accept, .acceptReorg, .acceptSideBranch:
            guard let hash = verdict.hash, let entry = try engine.entry(hash) else { break }
            if let sender { downloader.peerHas(sender, height: entry.height) }
            downloader.forget(hash, height: entry.height)
            var body = bytes
            if body == nil { body = try engine.blockBytes(hash) }
            if let body, sender == nil {
                // Sealed here: announced to every peer (DESIGN.md, `gossip.sealed`); bloom-net skips the peers a
                // large block cannot be framed for.
                server.noteOfferedToAll(hash, except: nil, now: now)
                actions.append(.broadcast(.block(body), except: nil))
            } else if let body {
                actions += relay(body, hash: hash, height: entry.height, except: sender, now: now)
            }
            SyncMetrics.accepted.increment()
            progress.connected(verdict.effects.connected.count)
            try updateMempool(after: verdict.effects)
        case .reject:
            SyncMetrics.rejected(reason: verdict.reason)
            if let sender, verdict.reason != .timestampTooFarFuture {
                actions.append(
                    .penalise(sender, points: Self.invalidBlockPoints, reason: "invalid block: \(verdict.reason)")
                )
            }
        case .rejectOrOrphan:
            // §2.5 item 6: ask the sender for the missing parent.
            if let sender, let parent = verdict.missingParent, !engine.hasOrphan(parent),
                !(try engine.contains(parent))
            {
                actions.append(.send(sender, .getData(.hash(parent))))
            }
        case .ignore:
            break
        }
        for adopted in verdict.adoptedOrphans {
            try apply(adopted, bytes: nil, from: sender, now: now, into: &actions)
        }
    }

    /// Blocks behind the best known height within which a node counts as caught up and relays what it stores.
    public static let relayLag: UInt32 = 16

    /// Relays a new block to every peer not known to have it (spec §2.5 item 6), after the batch commits.
    ///
    /// Not during initial download (as Bitcoin Core): while far behind, the blocks are old news to the network.
    private func relay(_ bytes: [UInt8], hash: Hash256, height: UInt32, except: PeerID?, now: Double) -> [SyncAction] {
        guard height + Self.relayLag >= downloader.targetHeight else { return [] }
        var actions: [SyncAction] = []
        for (id, peer) in peers.sorted(by: { $0.key < $1.key }) where id != except {
            let known = downloader.peer(id)?.height ?? peer.height
            guard known < height, peer.canReceive(blockOfSize: bytes.count) else { continue }
            server.noteOffered([hash], to: id, now: now)
            actions.append(.send(id, .block(bytes)))
        }
        return actions
    }

    private func updateMempool(after effects: ChainEffects) throws(ChainError) {
        guard mempool.count > 0 || !effects.returnedTransactions.isEmpty else { return }
        for hash in effects.connected {
            guard let bytes = try engine.blockBytes(hash), let block = try? Block(decoding: bytes) else { continue }
            mempool.removeConfirmed(block.transactions)
        }
        if !effects.disconnected.isEmpty {
            try mempool.reorganized(returning: effects.returnedTransactions, utxo: engine.utxo)
        }
    }

    /// A TX from a peer or the CLI: pooled and relayed once (except to its sender) when new and valid.
    func acceptTransaction(_ payload: [UInt8], from sender: PeerID?) throws(ChainError) -> [SyncAction] {
        switch try mempool.add(payload: payload, utxo: engine.utxo) {
        case .success:
            return [.broadcast(.tx(payload), except: sender)]
        case .failure(let rejection):
            guard let sender, rejection.isMisbehaviour else { return [] }
            return [.penalise(sender, points: 1, reason: "invalid transaction: \(rejection)")]
        }
    }

    private func buildSealed(_ seal: GossipSealed, wallClock: UInt32, now: Double) throws(ChainError) -> [SyncAction] {
        guard let parent = try engine.header(tip.hash) else { return [] }
        let built = SealedBlockBuilder.build(
            seal,
            tip: tip,
            parent: parent,
            now: wallClock,
            rewardAddress: rewardAddress,
            mempool: mempool
        )
        guard case .success(let block) = built else { return [] }
        return try submit(block.serialized(), from: nil, now: now, wallClock: wallClock)
    }
}

extension SyncCore {
    /// A transaction from the CLI (`tx submit`): pooled and relayed to every peer when valid.
    ///
    /// - Returns: the refusal, or nil and the relay actions.
    public func submitTransaction(_ payload: [UInt8]) throws(ChainError) -> (MempoolRejection?, [SyncAction]) {
        switch try mempool.add(payload: payload, utxo: engine.utxo) {
        case .success:
            // Saved before it is relayed or reported accepted: an accepted transaction survives a crash.
            try engine.store.saveMempoolChanges(mempool.takeChanges())
            return (nil, [.broadcast(.tx(payload), except: nil)])
        case .failure(let rejection):
            return (rejection, [])
        }
    }

    /// What ``restoreMempool()`` did.
    public struct MempoolRestore: Sendable, Hashable {
        /// Transactions pooled again.
        public var kept: Int
        /// Transactions no longer valid against the tip (mined, conflicting, spending what is gone), or damaged.
        public var dropped: Int
    }

    /// Reads the pool saved by an earlier run back, re-validating every transaction against the current tip in
    /// arrival order, and rewrites the table with the ones kept. Call once, at start, before any event.
    /// - Throws: ``ChainError`` when the store fails.
    public func restoreMempool() throws(ChainError) -> MempoolRestore {
        let saved = try engine.store.savedMempool()
        var kept = 0
        for payload in saved {
            if case .success = try mempool.add(payload: payload, utxo: engine.utxo) { kept += 1 }
        }
        _ = mempool.takeChanges()
        try engine.store.replaceMempool(with: mempool.entriesInArrivalOrder)
        return MempoolRestore(kept: kept, dropped: saved.count - kept)
    }
}
