import BloomBus
import BloomChain
import BloomCore
import BloomWire

/// Answers peers' block requests (spec §2.5 items 4, 5 and 12) within the limits of §2.5 item 13 and §9.
///
/// | request | answer | limit |
/// | --- | --- | --- |
/// | GETBLOCKS start,count | BLOCKS, main-chain hashes, count capped at 500 | a block request |
/// | GETDATA hash / height | BLOCK if known and it fits the peer, else nothing | a block request unless offered |
/// | GETHEADERS start,count | HEADERS, count capped at 2000 | BULK_SYNC peers only, 10 a second |
/// | GETBLOCKDATA hashes | one BLOCK per known hash that fits, then NOTFOUND for the rest | BULK_SYNC peers only |
///
/// Block requests share a token bucket per peer (burst 10, one every 6 s); each one over it is dropped and
/// costs a point. A GETDATA for a block offered to that peer in the last 10 minutes (listed in BLOCKS or
/// HEADERS, or relayed) answers our own offer and is not counted. A bulk-sync message from a peer without
/// BULK_SYNC is a protocol violation.
///
/// Back-pressure (spec §2.5 item 12: "the answerer serves a peer only while that peer's send queue is under its
/// bound"), as Bitcoin Core serves a peer's getdata only while its send buffer is under its limit and keeps the
/// rest for later (issue 15, GETBLOCKDATA flood):
///
/// - **Credit.** With a ``window``, the server counts the payload bytes of every answer it hands out per peer and
///   stops once ``window`` bytes are unacknowledged; bloom-net acknowledges them (`p2p.flow written`) as it writes
///   them to the peer's socket. So at most about one window (256 KiB) per peer of answers is ever on the bus or in
///   bloom-net, however many requests a peer sends and whether or not it reads. An acknowledgement lost on the bus
///   would leave a peer without credit for good, so credit unacknowledged for ``creditTimeout`` is written off.
/// - **Pending answers.** GETBLOCKDATA and GETDATA are answered a block at a time while there is credit; the rest
///   waits here by hash (not by bytes) and goes out by ``serve(_:chain:now:)`` as credit comes back, in request
///   order, each GETBLOCKDATA's NOTFOUND after its blocks. At most 1024 blocks per BULK_SYNC peer and 500 GETDATA
///   per peer wait; a request beyond that is a limit breach (bloom-net's own limits keep an honest peer below it).
/// - **Paused.** While bloom-net reports the peer's send queue full (`p2p.flow full`) nothing is sent to it.
///
/// ``serving`` tells the caller which peers have answers waiting (their next requests should wait too, as Bitcoin
/// Core processes no new message from a peer while its getdata queue is not empty) and which can be served now.
/// Without a window (tests, benchmarks: nothing acknowledges there) answers go out at once unless paused.
public struct BlockServer: Sendable {
    /// Bytes of answers a peer may have unacknowledged by bloom-net: as much as bloom-net lets into a peer's channel
    /// at once (`bulkBytesInFlight`), so the answers of 20 flooders on the bus come to 5 MiB at most. (512 KiB was
    /// tried: a download from one peer was no faster within the machine's noise, and in the attack test bloom-net's
    /// RSS reached 56–66 MB and the flood lasted 6–10 s instead of about 1.)
    public static let defaultWindow = 256 * 1024
    /// Seconds after which a peer's unacknowledged bytes are written off (a `p2p.flow written` lost on the bus).
    public static let creditTimeout = 30.0

    /// An answer still to send.
    enum Pending: Sendable {
        /// A block asked for by GETBLOCKDATA: BLOCK, or listed in the request's NOTFOUND.
        case bulkBlock(Hash256)
        /// The end of a GETBLOCKDATA: its NOTFOUND, if any hash was missing.
        case endOfBulk
        /// A block asked for by GETDATA: BLOCK, or silence.
        case block(Hash256)
    }

    struct PeerState: Sendable {
        var blockRequests: TokenBucket
        var headerRequests: TokenBucket
        /// Hashes offered to the peer, with the time of the offer.
        var offered: [Hash256: Double] = [:]
        /// bloom-net reported the peer's send queue full.
        var paused = false
        /// Payload bytes handed out and not yet acknowledged.
        var unacknowledged = 0
        /// When the credit last moved: the last acknowledgement, or the first send after all was acknowledged.
        var creditSince = 0.0
        /// Answers still to send, in request order, from ``pendingHead`` on.
        var pending: [Pending] = []
        var pendingHead = 0
        /// Blocks waiting in ``pending`` for GETBLOCKDATA, and for GETDATA.
        var pendingBulkBlocks = 0
        var pendingBlocks = 0
        /// Hashes of the GETBLOCKDATA being served that we cannot send, for its NOTFOUND.
        var notFound: [Hash256] = []

        var hasPending: Bool { pendingHead < pending.count }
    }

    /// Which peers have answers waiting, and which of those can be served now.
    public struct Serving: Sendable, Hashable {
        /// Peers whose next request should wait: answers still pending, no credit, or paused.
        public var busy: Set<PeerID> = []
        /// Peers with answers pending and room to send them: ``serve(_:chain:now:)`` sends more.
        public var ready: Set<PeerID> = []

        /// Nobody busy.
        public init(busy: Set<PeerID> = [], ready: Set<PeerID> = []) {
            self.busy = busy
            self.ready = ready
        }
    }

    /// GETHEADERS at most 10 per second (§2.5 item 12).
    static let headerRequestLimit = RateLimit(burst: 10, refillPerSecond: 10)
    /// Offers kept per peer before old ones are pruned: 10 minutes of GETBLOCKS answers at the request limit.
    static let maxOfferedPerPeer = 50_000

    /// Unacknowledged bytes allowed per peer; nil: no credit (answers go out at once unless paused).
    public let window: Int?
    private var peers: [PeerID: PeerState] = [:]
    /// Credits written off so far (acknowledgements lost).
    public private(set) var expiredCredits = 0

    /// A server tracking no peer yet; `window` bounds each peer's unacknowledged answers (nil: unbounded).
    public init(window: Int? = nil) {
        self.window = window.map { max(1, $0) }
    }

    /// Starts tracking a peer.
    public mutating func connect(_ peer: PeerID, now: Double) {
        peers[peer] = PeerState(
            blockRequests: TokenBucket(limit: .blockRequests, now: now),
            headerRequests: TokenBucket(limit: Self.headerRequestLimit, now: now)
        )
    }

    /// Forgets a peer (its pending answers with it).
    public mutating func disconnect(_ peer: PeerID) { peers[peer] = nil }

    /// bloom-net's report on a peer's send queue: nothing goes to a full one; once it reopens the pending answers
    /// go out by ``serve(_:chain:now:)`` (the peer is in ``serving``'s `ready`).
    public mutating func flow(_ peer: PeerID, open: Bool) {
        peers[peer]?.paused = !open
    }

    /// bloom-net wrote `bytes` of the peer's answers: that much credit comes back.
    public mutating func acknowledged(_ peer: PeerID, bytes: Int, now: Double) {
        guard var state = peers[peer] else { return }
        // More than is outstanding: acknowledgements for a previous bloom-sync's answers, or a written-off credit.
        state.unacknowledged = max(0, state.unacknowledged - max(0, bytes))
        state.creditSince = now
        peers[peer] = state
    }

    /// Writes off credit unacknowledged for ``creditTimeout``; returns the peers it gave room again.
    @discardableResult
    public mutating func expireCredits(now: Double) -> [PeerID] {
        guard window != nil else { return [] }
        var expired: [PeerID] = []
        for (id, state) in peers where state.unacknowledged > 0 && now - state.creditSince >= Self.creditTimeout {
            peers[id]?.unacknowledged = 0
            peers[id]?.creditSince = now
            expired.append(id)
        }
        expiredCredits += expired.count
        return expired
    }

    /// Which peers have answers pending or no room, and which can be served now.
    public var serving: Serving {
        var result = Serving()
        for (id, state) in peers {
            let room = hasRoom(state)
            if state.hasPending && room { result.ready.insert(id) }
            if state.hasPending || !room { result.busy.insert(id) }
        }
        return result
    }

    /// Unacknowledged payload bytes of a peer's answers (0 for an unknown peer).
    public func unacknowledged(_ peer: PeerID) -> Int { peers[peer]?.unacknowledged ?? 0 }

    /// Answers waiting for a peer (blocks, and GETBLOCKDATA ends).
    public func pendingCount(_ peer: PeerID) -> Int { peers[peer].map { $0.pending.count - $0.pendingHead } ?? 0 }

    private func hasRoom(_ state: PeerState) -> Bool {
        !state.paused && state.unacknowledged < (window ?? Int.max)
    }

    /// Sends the peer's pending answers, in order, while it has room.
    public mutating func serve<Store: ChainStore>(
        _ peer: SyncPeer,
        chain: ChainEngine<Store>,
        now: Double
    ) throws(ChainError) -> [SyncAction] {
        guard var state = peers[peer.id] else { return [] }
        var actions: [SyncAction] = []
        while hasRoom(state) && state.hasPending {
            let item = state.pending[state.pendingHead]
            state.pendingHead += 1
            switch item {
            case .bulkBlock(let hash):
                state.pendingBulkBlocks -= 1
                if let bytes = try chain.blockBytes(hash), peer.canReceive(blockOfSize: bytes.count) {
                    actions.append(Self.send(.block(bytes), to: peer.id, state: &state, now: now))
                } else {
                    state.notFound.append(hash)
                }
            case .endOfBulk:
                if !state.notFound.isEmpty {
                    actions.append(Self.send(.notFound(state.notFound), to: peer.id, state: &state, now: now))
                    state.notFound = []
                }
            case .block(let hash):
                state.pendingBlocks -= 1
                // GETDATA has no NOTFOUND: silence for a block gone or unframeable (§2.5 items 3 and 5).
                if let bytes = try chain.blockBytes(hash), peer.canReceive(blockOfSize: bytes.count) {
                    actions.append(Self.send(.block(bytes), to: peer.id, state: &state, now: now))
                }
            }
        }
        if !state.hasPending {
            state.pending = []
            state.pendingHead = 0
        } else if state.pendingHead >= 1024 {
            state.pending.removeFirst(state.pendingHead)
            state.pendingHead = 0
        }
        peers[peer.id] = state
        return actions
    }

    /// An answer handed out: its payload bytes count against the peer's credit.
    private static func send(
        _ message: PeerMessage,
        to peer: PeerID,
        state: inout PeerState,
        now: Double
    ) -> SyncAction {
        let size: Int
        if case .block(let bytes) = message { size = bytes.count } else { size = message.encodedPayload().count }
        if state.unacknowledged == 0 { state.creditSince = now }
        state.unacknowledged += size
        return .send(peer, message)
    }

    private mutating func send(_ message: PeerMessage, to peer: PeerID, now: Double) -> SyncAction {
        guard var state = peers[peer] else { return .send(peer, message) }
        let action = Self.send(message, to: peer, state: &state, now: now)
        peers[peer] = state
        return action
    }

    /// Records that `hashes` were offered to `peer` (listed or relayed), so its GETDATA for them is not counted.
    public mutating func noteOffered(_ hashes: [Hash256], to peer: PeerID, now: Double) {
        guard var state = peers[peer] else { return }
        for hash in hashes { state.offered[hash] = now }
        if state.offered.count > Self.maxOfferedPerPeer {
            state.offered = state.offered.filter { now - $0.value <= WireLimits.offeredBlockWindowSeconds }
        }
        peers[peer] = state
    }

    /// Records an offer of `hash` to every tracked peer but `except` (a relayed block).
    public mutating func noteOfferedToAll(_ hash: Hash256, except: PeerID?, now: Double) {
        for peer in peers.keys where peer != except { noteOffered([hash], to: peer, now: now) }
    }

    /// Answers one request, or returns nil when `message` is not a request this server handles.
    public mutating func answer<Store: ChainStore>(
        _ message: PeerMessage,
        from peer: SyncPeer,
        chain: ChainEngine<Store>,
        now: Double
    ) throws(ChainError) -> [SyncAction]? {
        if peers[peer.id] == nil { connect(peer.id, now: now) }
        switch message {
        case .getBlocks(let range):
            guard consumeBlockRequest(peer.id, now: now) else { return [limitBreach(peer.id, "GETBLOCKS")] }
            let count = Int(min(range.count, UInt32(WireLimits.maxBlocksPerGetBlocks)))
            let hashes = try chain.hashes(fromHeight: range.startHeight, count: count)
            noteOffered(hashes, to: peer.id, now: now)
            return [send(.blocks(hashes), to: peer.id, now: now)]
        case .getData(let request):
            let hash: Hash256?
            switch request {
            case .hash(let wanted): hash = wanted
            case .height(let height): hash = try chain.hash(atHeight: height)
            }
            let offered = hash.map { isOffered($0, to: peer.id, now: now) } ?? false
            if !offered && !consumeBlockRequest(peer.id, now: now) { return [limitBreach(peer.id, "GETDATA")] }
            guard let hash, let bytes = try chain.blockBytes(hash), peer.canReceive(blockOfSize: bytes.count) else {
                // GETDATA has no NOTFOUND: silence for unknown or unframeable blocks (§2.5 items 3 and 5).
                return []
            }
            guard let state = peers[peer.id], !hasRoom(state) || state.hasPending else {
                return [send(.block(bytes), to: peer.id, now: now)]
            }
            guard state.pendingBlocks < WireLimits.maxOutstandingOfferedGetData else {
                return [limitBreach(peer.id, "GETDATA outstanding")]
            }
            peers[peer.id]?.pending.append(.block(hash))
            peers[peer.id]?.pendingBlocks += 1
            return try serve(peer, chain: chain, now: now)
        case .getHeaders(let range):
            guard peer.services.contains(.bulkSync) else { return [notBulkSync(peer.id, "GETHEADERS")] }
            guard consumeHeaderRequest(peer.id, now: now) else { return [limitBreach(peer.id, "GETHEADERS")] }
            let count = Int(min(range.count, UInt32(WireLimits.maxHeadersPerMessage)))
            let headers = try chain.headers(fromHeight: range.startHeight, count: count)
            noteOffered(headers.map(\.hash), to: peer.id, now: now)
            return [send(.headers(headers.map { $0.encoded() }), to: peer.id, now: now)]
        case .getBlockData(let hashes):
            guard peer.services.contains(.bulkSync) else { return [notBulkSync(peer.id, "GETBLOCKDATA")] }
            guard var state = peers[peer.id] else { return [] }
            guard state.pendingBulkBlocks + hashes.count <= WireLimits.maxOutstandingBulkBlocks else {
                return [limitBreach(peer.id, "GETBLOCKDATA outstanding")]
            }
            state.pending += hashes.map { Pending.bulkBlock($0) } + [Pending.endOfBulk]
            state.pendingBulkBlocks += hashes.count
            peers[peer.id] = state
            return try serve(peer, chain: chain, now: now)
        default:
            return nil
        }
    }

    private func isOffered(_ hash: Hash256, to peer: PeerID, now: Double) -> Bool {
        guard let at = peers[peer]?.offered[hash] else { return false }
        return now - at <= WireLimits.offeredBlockWindowSeconds
    }

    private mutating func consumeBlockRequest(_ peer: PeerID, now: Double) -> Bool {
        peers[peer]?.blockRequests.tryConsume(now: now) ?? false
    }

    private mutating func consumeHeaderRequest(_ peer: PeerID, now: Double) -> Bool {
        peers[peer]?.headerRequests.tryConsume(now: now) ?? false
    }

    private func limitBreach(_ peer: PeerID, _ what: String) -> SyncAction {
        .penalise(peer, points: 1, reason: "\(what) over the block request limit")
    }

    private func notBulkSync(_ peer: PeerID, _ what: String) -> SyncAction {
        .penalise(peer, points: 1, reason: "protocol_violation: \(what) without BULK_SYNC")
    }
}
