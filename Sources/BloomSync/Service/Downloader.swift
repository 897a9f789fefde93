import BloomBus
import BloomChain
import BloomCore
import BloomWire

/// Chain download (spec §8): which blocks to fetch, from whom, and what to do when a peer stalls or lies.
///
/// States per peer: idle → headers requested → idle, and a set of bodies in flight with their request times.
/// Header-first toward BULK_SYNC peers (GETHEADERS in batches of up to 2000, linkage checked, then bodies with
/// GETBLOCKDATA, up to `perPeerInFlight` per peer, from every peer that has them); toward BLOCK_SERVE-only peers
/// the reference path (GETBLOCKS, then GETDATA per listed hash), within 10 GETBLOCKS a minute and 10 blocks in
/// flight. Bodies are fetched only within `window` heights above the tip; bodies that arrive before their
/// parent wait here (not in the chain's small orphan pool) until the tip reaches them.
///
/// A request older than `requestTimeout` marks its peer stalled for `stallPause`: its requests go back to the
/// pool and other peers get them. A peer whose headers stop below the height it announced has its height
/// lowered to what it proved, so it is no longer chosen as the best peer.
public struct Downloader: Sendable {
    /// Windows, limits and timeouts.
    public struct Configuration: Sendable, Hashable {
        /// Heights above the tip whose bodies may be requested (Bitcoin Core: 1024).
        public var window: UInt32 = 1_024
        /// Bodies in flight per BULK_SYNC peer. Bitcoin Core keeps 16 per peer over many peers; a small network
        /// may have one peer to sync from. With 128 (one full GETBLOCKDATA) the chain thread committed about 55
        /// blocks a transaction and each transaction rewrote the same index pages; 512 lets blocks pile up while
        /// a batch is stored, so a transaction takes a few hundred (BENCHMARKS.md, "IBD (issue 14 item 1)"). The
        /// answerer allows 1024 outstanding (§2.5 item 12).
        public var perPeerInFlight = 512
        /// Bytes in flight per BULK_SYNC peer, estimated from the average size of the bodies received so far:
        /// large blocks get fewer requests in flight than ``perPeerInFlight``.
        public var perPeerInFlightBytes = 16 << 20
        /// The body size assumed before any body arrived.
        public var assumedBodySize = 64 << 10
        /// Bodies in flight toward a reference-protocol peer (§8: 10).
        public var legacyInFlight = 10
        /// Seconds before an unanswered request marks its peer stalled.
        public var requestTimeout = 15.0
        /// Seconds a stalled peer is left out of the schedule.
        public var stallPause = 60.0
        /// Bytes of downloaded bodies that may wait for their parents. Past it, only the heights just above the
        /// lowest missing one are requested, so a window of large blocks cannot pin a gigabyte.
        public var maxBufferedBytes = 64 << 20

        /// The defaults above.
        public init() {}
    }

    struct Peer: Sendable {
        var info: SyncPeer
        /// Bodies requested from this peer, with the time of the request.
        var inFlight: [Hash256: Double] = [:]
        /// Time, start height and count of an unanswered GETHEADERS / GETBLOCKS.
        var listRequest: (at: Double, start: UInt32, count: UInt32)?
        /// GETBLOCKS budget toward a reference-protocol peer (§9: 10 block requests a minute).
        var legacyBudget: TokenBucket
        var stalledUntil: Double = 0
        /// How far below our header tip the next GETHEADERS starts, after a list that did not connect.
        var backtrack: UInt32 = 0

        var isBulk: Bool { info.services.contains(.bulkSync) }
        var serves: Bool { isBulk || info.services.contains(.blockServe) }
    }

    /// Windows, limits and timeouts.
    public let configuration: Configuration
    private var peers: [PeerID: Peer] = [:]
    /// Hashes to download by height: the header chain above the tip.
    private var planned: [UInt32: Hash256] = [:]
    /// The last planned (or, with nothing planned, stored tip) block: where the next header request starts.
    private var headerTip: BloomChain.ChainTip
    /// No planned height is below this one. Usually the tip's height + 1; lower after a header chain that forks
    /// below the tip (those side blocks are fetched and stored first, then the branch overtakes).
    private var floor: UInt32
    /// Downloaded bodies waiting for the tip to reach them, with their sender.
    private var received: [Hash256: (bytes: [UInt8], from: PeerID)] = [:]
    /// Σ of the sizes in `received`.
    private var receivedBytes = 0
    /// Which peer a body in flight was asked from.
    private var assignment: [Hash256: PeerID] = [:]
    /// Average size of the bodies received (an exponential moving average), for ``perPeerInFlightBytes``.
    private var averageBodySize: Double?

    /// A downloader for a chain whose best tip is `tip`.
    public init(tip: BloomChain.ChainTip, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.headerTip = tip
        self.floor = tip.height + 1
    }

    // MARK: - Peers

    /// A peer connected (`p2p.peer`).
    ///
    /// The same connection can be announced again: bloom-net re-publishes every peer when another service says
    /// hello (`svc.hello`). A known peer keeps its requests in flight and the height it has proved; starting it
    /// afresh would forget requests whose hashes stay assigned to it, and those heights would never be asked again.
    public mutating func peerConnected(_ peer: SyncPeer, now: Double) {
        guard var known = peers[peer.id] else {
            peers[peer.id] = Peer(info: peer, legacyBudget: TokenBucket(limit: .blockRequests, now: now))
            return
        }
        known.info = SyncPeer(id: peer.id, height: max(known.info.height, peer.height), services: peer.services)
        peers[peer.id] = known
    }

    /// A peer disconnected: its requests go back to the pool.
    public mutating func peerGone(_ peer: PeerID) {
        guard let state = peers.removeValue(forKey: peer) else { return }
        for hash in state.inFlight.keys { assignment[hash] = nil }
    }

    /// A peer proved it has a block at `height` (a valid block it sent, or a hash it listed).
    public mutating func peerHas(_ peer: PeerID, height: UInt32) {
        if let current = peers[peer]?.info.height, height > current { peers[peer]?.info.height = height }
    }

    /// The peer as currently known.
    public func peer(_ id: PeerID) -> SyncPeer? { peers[id]?.info }

    /// The greatest height among peers that serve blocks.
    public var bestPeerHeight: UInt32 {
        peers.values.filter(\.serves).map(\.info.height).max() ?? 0
    }

    /// The height download is heading for.
    public var targetHeight: UInt32 { max(bestPeerHeight, headerTip.height) }

    /// Bodies in flight over all peers.
    public var inFlightCount: Int { assignment.count }

    // MARK: - Scheduling

    /// Times out stalled requests and issues new header and body requests.
    public mutating func schedule(tip: BloomChain.ChainTip, now: Double) -> [SyncAction] {
        if headerTip.height < tip.height { rebase(to: tip) }
        expireStalled(now: now)
        var actions = requestHeaders(tip: tip, now: now)
        actions += requestBodies(tip: tip, now: now)
        return actions
    }

    private mutating func rebase(to tip: BloomChain.ChainTip) {
        planned = planned.filter { $0.key > tip.height }
        dropUnplannedBodies()
        if planned.isEmpty {
            headerTip = tip
            floor = tip.height + 1
        }
    }

    private mutating func expireStalled(now: Double) {
        for (id, peer) in peers {
            let oldestBody = peer.inFlight.values.min()
            let listAt = peer.listRequest?.at
            let oldest = [oldestBody, listAt].compactMap { $0 }.min()
            guard let oldest, now - oldest > configuration.requestTimeout else { continue }
            markStalled(id, now: now)
        }
    }

    private mutating func markStalled(_ id: PeerID, now: Double) {
        guard var peer = peers[id] else { return }
        for hash in peer.inFlight.keys { assignment[hash] = nil }
        peer.inFlight = [:]
        peer.listRequest = nil
        peer.stalledUntil = now + configuration.stallPause
        peers[id] = peer
    }

    private func usable(_ peer: Peer, now: Double) -> Bool { peer.serves && peer.stalledUntil <= now }

    private mutating func requestHeaders(tip: BloomChain.ChainTip, now: Double) -> [SyncAction] {
        guard !peers.values.contains(where: { $0.listRequest != nil }) else { return [] }
        // Keep the header chain at most a window ahead of the bodies.
        guard headerTip.height < tip.height + configuration.window else { return [] }
        let candidates = peers.values.filter { usable($0, now: now) && $0.info.height > headerTip.height }
        // Best peer by height; BULK_SYNC first among equals (it is the fast path).
        guard
            let best = candidates.max(by: {
                ($0.info.height, $0.isBulk ? 1 : 0, $1.info.id) < ($1.info.height, $1.isBulk ? 1 : 0, $0.info.id)
            })
        else { return [] }
        let start = headerTip.height + 1 - min(best.backtrack, headerTip.height)
        if best.isBulk {
            let count = min(UInt32(WireLimits.maxHeadersPerMessage), best.info.height - start + 1)
            peers[best.info.id]?.listRequest = (now, start, count)
            return [.send(best.info.id, .getHeaders(HeightRange(startHeight: start, count: count)))]
        }
        guard peers[best.info.id]?.legacyBudget.tryConsume(now: now) == true else { return [] }
        // §2.5 item 4: an inclusive count, at most 500.
        let count = min(UInt32(WireLimits.maxBlocksPerGetBlocks), best.info.height - start + 1)
        peers[best.info.id]?.listRequest = (now, start, count)
        return [.send(best.info.id, .getBlocks(HeightRange(startHeight: start, count: count)))]
    }

    private mutating func requestBodies(tip: BloomChain.ChainTip, now: Double) -> [SyncAction] {
        guard !planned.isEmpty else { return [] }
        var batches: [PeerID: [Hash256]] = [:]
        let top = min(headerTip.height, tip.height + configuration.window)
        raiseFloor()
        guard top >= floor else { return [] }
        let buffered = receivedBytes >= configuration.maxBufferedBytes
        for height in floor...top {
            // The lowest heights are always fetched: they are what lets the buffer drain.
            if buffered && height > floor + UInt32(configuration.perPeerInFlight) { break }
            guard let hash = planned[height], assignment[hash] == nil, received[hash] == nil else { continue }
            guard let id = pickPeer(for: height, pending: batches, now: now) else { continue }
            batches[id, default: []].append(hash)
            assignment[hash] = id
            peers[id]?.inFlight[hash] = now
        }
        var actions: [SyncAction] = []
        for (id, hashes) in batches.sorted(by: { $0.key < $1.key }) {
            guard let peer = peers[id] else { continue }
            if peer.isBulk {
                var start = 0
                while start < hashes.count {
                    let end = min(hashes.count, start + WireLimits.maxHashesPerBlockDataRequest)
                    actions.append(.send(id, .getBlockData(Array(hashes[start..<end]))))
                    start = end
                }
            } else {
                actions += hashes.map { .send(id, .getData(.hash($0))) }
            }
        }
        return actions
    }

    /// The usable peer with room that has `height`, least loaded first (spreads bodies over every peer).
    ///
    /// A peer is refilled only once half of its requests came back, so requests go out in batches (one
    /// GETBLOCKDATA of many hashes) rather than one hash per arriving block.
    private func pickPeer(for height: UInt32, pending: [PeerID: [Hash256]], now: Double) -> PeerID? {
        var best: (load: Int, id: PeerID)?
        let bulkLimit = bulkInFlightLimit
        for (id, peer) in peers where usable(peer, now: now) && peer.info.height >= height {
            let limit = peer.isBulk ? bulkLimit : configuration.legacyInFlight
            let load = peer.inFlight.count
            let batchStarted = pending[id] != nil
            guard load < limit, batchStarted || load <= limit / 2 else { continue }
            if let current = best, (load, id) >= (current.load, current.id) { continue }
            best = (load, id)
        }
        return best?.id
    }

    /// Bodies in flight per BULK_SYNC peer: ``Configuration/perPeerInFlight``, fewer when that many bodies of the
    /// average size would pass ``Configuration/perPeerInFlightBytes``; at least one.
    var bulkInFlightLimit: Int {
        let size = max(1, averageBodySize ?? Double(configuration.assumedBodySize))
        let byBytes = Int(min(Double(Int.max / 2), Double(configuration.perPeerInFlightBytes) / size))
        return max(1, min(configuration.perPeerInFlight, byBytes))
    }

    // MARK: - Answers

    /// What a HEADERS or BLOCKS answer means for a peer.
    public enum ListOutcome: Sendable, Hashable {
        /// New blocks planned (possibly none, when the peer had nothing new).
        case planned(Int)
        /// The list does not connect to a known block; the next request starts lower.
        case notConnected
        /// Broken linkage or timestamps: the peer sent an invalid header chain.
        case invalid(String)
        /// Not asked for; ignored.
        case unsolicited
    }

    /// A HEADERS answer. `isKnown` gives a stored block's height, nil when the block is not stored.
    public mutating func headersReceived(
        _ raw: [[UInt8]],
        from id: PeerID,
        isKnown: (Hash256) throws(ChainError) -> UInt32?
    ) throws(ChainError) -> ListOutcome {
        guard let request = peers[id]?.listRequest else { return .unsolicited }
        peers[id]?.listRequest = nil
        var headers: [BlockHeader] = []
        headers.reserveCapacity(raw.count)
        for bytes in raw {
            guard let header = try? BlockHeader(decoding: bytes) else { return invalidList(id, "undecodable header") }
            headers.append(header)
        }
        for (previous, next) in zip(headers, headers.dropFirst()) {
            guard next.prevHash == previous.hash else { return invalidList(id, "headers do not link") }
            guard next.timestamp > previous.timestamp else { return invalidList(id, "timestamps not increasing") }
            // No retarget in protocol version 1 (spec §4.5): the bits never change along a chain.
            guard next.difficulty == previous.difficulty else { return invalidList(id, "difficulty changes") }
        }
        return try plan(
            headers.map(\.hash),
            firstParent: headers.first?.prevHash,
            request: (request.start, request.count),
            from: id,
            isKnown: isKnown
        )
    }

    /// The height of a block the header chain or the store knows: the header tip, a planned block, or a stored one.
    private func height(
        of hash: Hash256,
        isKnown: (Hash256) throws(ChainError) -> UInt32?
    ) throws(ChainError) -> UInt32? {
        if hash == headerTip.hash { return headerTip.height }
        if let planned = planned.first(where: { $0.value == hash })?.key { return planned }
        return try isKnown(hash)
    }

    /// A BLOCKS answer (hashes from the reference path): heights follow from the request's start.
    public mutating func hashesReceived(
        _ hashes: [Hash256],
        from id: PeerID,
        isKnown: (Hash256) throws(ChainError) -> UInt32?
    ) throws(ChainError) -> ListOutcome {
        guard let request = peers[id]?.listRequest else { return .unsolicited }
        peers[id]?.listRequest = nil
        return try plan(
            hashes,
            firstParent: nil,
            request: (request.start, request.count),
            from: id,
            isKnown: isKnown
        )
    }

    private mutating func plan(
        _ hashes: [Hash256],
        firstParent: Hash256?,
        request: (start: UInt32, count: UInt32),
        from id: PeerID,
        isKnown: (Hash256) throws(ChainError) -> UInt32?
    ) throws(ChainError) -> ListOutcome {
        var start = request.start
        guard !hashes.isEmpty else {
            // The peer has nothing from `start` on: it was not as high as it said.
            if let claimed = peers[id]?.info.height, claimed >= start { peers[id]?.info.height = start - 1 }
            return .planned(0)
        }
        if let firstParent {
            guard let parentHeight = try height(of: firstParent, isKnown: isKnown) else {
                let tipHeight = headerTip.height
                let backtrack = max(16, (peers[id]?.backtrack ?? 0) * 2)
                peers[id]?.backtrack = min(backtrack, tipHeight)
                return .notConnected
            }
            // Heights follow from where the list connects, not from the request it answers: after bloom-sync
            // restarts, the connection still carries answers to its predecessor's requests, which start elsewhere.
            start = parentHeight + 1
            // Another branch from the parent replaces whatever was planned above it.
            planned = planned.filter { $0.key < start }
            dropUnplannedBodies()
        }
        peers[id]?.backtrack = 0
        var added = 0
        for (offset, hash) in hashes.enumerated() {
            let height = start + UInt32(offset)
            if try isKnown(hash) == nil {
                planned[height] = hash
                floor = min(floor, height)
                added += 1
            }
            headerTip = BloomChain.ChainTip(hash: hash, height: height)
        }
        let delivered = start + UInt32(hashes.count) - 1
        if hashes.count < Int(request.count) {
            // A short answer shows where the peer's main chain ends, whatever height it announced.
            peers[id]?.info.height = delivered
        } else {
            peerHas(id, height: delivered)
        }
        return .planned(added)
    }

    private mutating func invalidList(_ id: PeerID, _ reason: String) -> ListOutcome {
        if var peer = peers[id] {
            // Do not plan from this peer again until it proves otherwise.
            peer.info.height = min(peer.info.height, headerTip.height)
            peers[id] = peer
        }
        return .invalid(reason)
    }

    /// A body arrived. Returns true when it was one we asked for (it then waits in ``takeReady(after:)``).
    public mutating func blockReceived(_ hash: Hash256, bytes: [UInt8], from id: PeerID) -> Bool {
        guard let assigned = assignment.removeValue(forKey: hash) else { return false }
        peers[assigned]?.inFlight[hash] = nil
        received[hash] = (bytes, id)
        receivedBytes += bytes.count
        let size = Double(bytes.count)
        averageBodySize = averageBodySize.map { $0 + (size - $0) / 16 } ?? size
        return true
    }

    /// NOTFOUND: the peer does not have these; they go back to the pool and its height drops below them.
    public mutating func notFound(_ hashes: [Hash256], from id: PeerID) {
        var lowest: UInt32?
        for hash in hashes where assignment[hash] == id {
            assignment[hash] = nil
            peers[id]?.inFlight[hash] = nil
            if let height = planned.first(where: { $0.value == hash })?.key { lowest = min(lowest ?? height, height) }
        }
        if let lowest, let claimed = peers[id]?.info.height, claimed >= lowest {
            peers[id]?.info.height = lowest - 1
        }
    }

    /// The lowest planned block, once its body has arrived, with its sender, taken out of the buffer. Bodies
    /// are submitted in height order, so each one's parent is stored (or was just submitted) before it.
    public mutating func takeReady() -> (bytes: [UInt8], from: PeerID)? {
        raiseFloor()
        guard let hash = planned[floor], let body = received.removeValue(forKey: hash) else { return nil }
        receivedBytes -= body.bytes.count
        planned[floor] = nil
        floor += 1
        return body
    }

    /// Forgets downloaded bodies that no plan needs any more (a replaced branch).
    private mutating func dropUnplannedBodies() {
        let needed = Set(planned.values)
        for (hash, body) in received where !needed.contains(hash) {
            received[hash] = nil
            receivedBytes -= body.bytes.count
        }
    }

    /// Moves the floor past heights with nothing planned.
    private mutating func raiseFloor() {
        while floor <= headerTip.height && planned[floor] == nil { floor += 1 }
    }

    /// A downloaded block failed validation: forget the plan above the tip (it came from a lying peer) and
    /// pause the sender.
    public mutating func downloadedBlockInvalid(from id: PeerID, tip: BloomChain.ChainTip, now: Double) {
        markStalled(id, now: now)
        peers[id]?.info.height = tip.height
        planned = [:]
        received = [:]
        receivedBytes = 0
        for peer in peers.keys { peers[peer]?.inFlight = [:] }
        assignment = [:]
        headerTip = tip
        floor = tip.height + 1
    }

    /// Block `hash` at `height` is stored (downloaded, relayed or sealed): it no longer needs fetching.
    public mutating func forget(_ hash: Hash256, height: UInt32) {
        if let assigned = assignment.removeValue(forKey: hash) { peers[assigned]?.inFlight[hash] = nil }
        if let body = received.removeValue(forKey: hash) { receivedBytes -= body.bytes.count }
        if planned[height] == hash { planned[height] = nil }
    }
}
