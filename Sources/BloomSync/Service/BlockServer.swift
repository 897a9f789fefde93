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
/// Back-pressure (`p2p.flow`, §2.5 item 12): while bloom-net reports a peer's send queue full, the blocks it asked
/// for are queued here by hash (not by bytes) and sent when the queue reopens, at most 1024 per BULK_SYNC peer and
/// 500 GETDATA per peer; a request beyond that is a limit breach. A slow reader slows itself down; it cannot grow
/// our memory.
public struct BlockServer: Sendable {
    struct PeerState: Sendable {
        var blockRequests: TokenBucket
        var headerRequests: TokenBucket
        /// Hashes offered to the peer, with the time of the offer.
        var offered: [Hash256: Double] = [:]
        /// bloom-net reported the peer's send queue full.
        var paused = false
        /// Blocks requested while paused, in request order, sent when the queue reopens.
        var deferred: [Hash256] = []
    }

    /// GETHEADERS at most 10 per second (§2.5 item 12).
    static let headerRequestLimit = RateLimit(burst: 10, refillPerSecond: 10)
    /// Offers kept per peer before old ones are pruned: 10 minutes of GETBLOCKS answers at the request limit.
    static let maxOfferedPerPeer = 50_000

    private var peers: [PeerID: PeerState] = [:]

    /// A server tracking no peer yet.
    public init() {}

    /// Starts tracking a peer.
    public mutating func connect(_ peer: PeerID, now: Double) {
        peers[peer] = PeerState(
            blockRequests: TokenBucket(limit: .blockRequests, now: now),
            headerRequests: TokenBucket(limit: Self.headerRequestLimit, now: now)
        )
    }

    /// Forgets a peer.
    public mutating func disconnect(_ peer: PeerID) { peers[peer] = nil }

    /// bloom-net's report on a peer's send queue. When it reopens, the deferred blocks go out, in order.
    public mutating func flow<Store: ChainStore>(
        _ peer: SyncPeer,
        open: Bool,
        chain: ChainEngine<Store>
    ) throws(ChainError) -> [SyncAction] {
        guard var state = peers[peer.id] else { return [] }
        state.paused = !open
        var actions: [SyncAction] = []
        if open {
            for hash in state.deferred {
                if let bytes = try chain.blockBytes(hash), peer.canReceive(blockOfSize: bytes.count) {
                    actions.append(.send(peer.id, .block(bytes)))
                }
            }
            state.deferred = []
        }
        peers[peer.id] = state
        return actions
    }

    /// What happens to one requested block.
    private enum Serving {
        case now(SyncAction)
        case deferred
        case overLimit
    }

    /// Sends `bytes` now, or queues `hash` while the peer's queue is full, up to `limit` queued blocks.
    private mutating func serve(_ hash: Hash256, bytes: [UInt8], to peer: PeerID, limit: Int) -> Serving {
        guard let state = peers[peer], state.paused else { return .now(.send(peer, .block(bytes))) }
        guard state.deferred.count < limit else { return .overLimit }
        peers[peer]?.deferred.append(hash)
        return .deferred
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
            return [.send(peer.id, .blocks(hashes))]
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
            switch serve(hash, bytes: bytes, to: peer.id, limit: WireLimits.maxOutstandingOfferedGetData) {
            case .now(let send): return [send]
            case .deferred: return []
            case .overLimit: return [limitBreach(peer.id, "GETDATA outstanding")]
            }
        case .getHeaders(let range):
            guard peer.services.contains(.bulkSync) else { return [notBulkSync(peer.id, "GETHEADERS")] }
            guard consumeHeaderRequest(peer.id, now: now) else { return [limitBreach(peer.id, "GETHEADERS")] }
            let count = Int(min(range.count, UInt32(WireLimits.maxHeadersPerMessage)))
            let headers = try chain.headers(fromHeight: range.startHeight, count: count)
            noteOffered(headers.map(\.hash), to: peer.id, now: now)
            return [.send(peer.id, .headers(headers.map { $0.encoded() }))]
        case .getBlockData(let hashes):
            guard peer.services.contains(.bulkSync) else { return [notBulkSync(peer.id, "GETBLOCKDATA")] }
            var actions: [SyncAction] = []
            var missing: [Hash256] = []
            for hash in hashes {
                if let bytes = try chain.blockBytes(hash), peer.canReceive(blockOfSize: bytes.count) {
                    switch serve(hash, bytes: bytes, to: peer.id, limit: WireLimits.maxOutstandingBulkBlocks) {
                    case .now(let send): actions.append(send)
                    case .deferred: break
                    case .overLimit: return actions + [limitBreach(peer.id, "GETBLOCKDATA outstanding")]
                    }
                } else {
                    missing.append(hash)
                }
            }
            if !missing.isEmpty { actions.append(.send(peer.id, .notFound(missing))) }
            return actions
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
