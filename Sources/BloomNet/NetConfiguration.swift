import Foundation

/// bloom-net's settings (DESIGN.md "Operator interface"); the service kit fills it from flags > environment >
/// file > defaults.
///
/// | key | type | default |
/// |---|---|---|
/// | `bind` | IP address to listen on and dial from | `0.0.0.0` |
/// | `port` | P2P listening port (shared by every replica: SO_REUSEPORT) | 7618 |
/// | `connect` | `host:port` peers to keep connected | none |
/// | `max-outbound` / `max-inbound` | connection limits, for all replicas together / per replica | 8 / 117 |
/// | `ban-time` | seconds a ban lasts | 86400 |
/// | `handshake-timeout` | seconds allowed for VERSION/VERACK | 10 |
/// | `replica` / replica count | this process's replica index and how many run | 0 / 1 |
/// | `data-dir` | where `bans.json` lives | none (bans in memory) |
public struct NetConfiguration: Sendable {
    /// Address to listen on and to dial from.
    public var bindHost = "0.0.0.0"
    /// P2P port; 0 picks a free one (tests), ``NetNode/listeningPort`` tells which.
    public var port = 7618
    /// Peers to keep connected (`--connect`).
    public var connect: [PeerEndpoint] = []
    /// Outbound connections all replicas together aim for; each replica dials its share.
    public var maxOutbound = 8
    /// Inbound connections this replica accepts.
    public var maxInbound = 117
    /// Seconds a ban lasts.
    public var banTime: Double = 86_400
    /// Per-connection protocol limits (handshake timeout among them).
    public var limits = ConnectionLimits()
    /// This process's replica index (8 bits of every peer id).
    public var replica: UInt8 = 0
    /// How many replicas run: outbound candidates are split between them by address.
    public var replicaCount = 1
    /// This boot's id (24 bits of every peer id); random by default so restarts never reuse ids.
    public var bootID = UInt32.random(in: 0...0x00FF_FFFF)
    /// The data directory holding `bans.json`; nil keeps bans in memory.
    public var dataDirectory: URL?
    /// A peer whose unsent bytes exceed this is dropped: it cannot keep up, and we will not buffer for it.
    public var maxSendQueueBytes = 8 * 1024 * 1024
    /// Send-queue watermarks for `p2p.flow`: full above `high`, open again below `low` (bloom-sync pauses serving).
    public var sendQueueLowWater = 256 * 1024
    /// See ``sendQueueLowWater``.
    public var sendQueueHighWater = 1024 * 1024
    /// Bytes of bulk answers (HEADERS, BLOCKS, requested blocks) one peer may have in the channel, not yet
    /// written to its socket; the rest wait in bloom-net's bulk queue behind any relay (Bitcoin Core likewise
    /// stops serving a peer whose send buffer is full, and relays never queue behind a backlog of answers).
    public var bulkBytesInFlight = 256 * 1024
    /// Bytes of bulk answers bloom-net holds for all peers together (queued and in channels). bloom-sync's credit
    /// (256 KiB a peer) keeps them far below it; past it, a peer holding more than its share (this over the
    /// number of peers holding answers) is dropped when another answer for it arrives (issue 15).
    public var maxBulkHeldBytes = 16 * 1024 * 1024
    /// `p2p.flow written` goes out once this many payload bytes of a peer's answers were written, or when its
    /// answers are all written, or on the next tick.
    public var bulkWrittenReport = 64 * 1024
    /// How often timeouts are checked and outbound slots refilled, in seconds.
    public var tickInterval: Double = 1
    /// First delay before redialling a failed address; doubles up to ``maxRedialDelay``.
    public var redialDelay: Double = 1
    /// Longest delay between two dials of one address.
    public var maxRedialDelay: Double = 60
    /// Our chain height for VERSION, until `chain.tip` says otherwise.
    public var initialHeight: UInt32 = 0

    /// The defaults above.
    public init() {}

    /// This replica's share of ``maxOutbound``: the total split as evenly as possible, lower replicas first.
    public var outboundTarget: Int { outboundTarget(replicaCount: replicaCount) }

    /// This replica's share of ``maxOutbound`` when `replicaCount` replicas run (the count changes with
    /// `bloom scale` while the process runs).
    public func outboundTarget(replicaCount: Int) -> Int {
        let count = max(1, replicaCount)
        let index = Int(replica) % count
        return maxOutbound / count + (index < maxOutbound % count ? 1 : 0)
    }
}
