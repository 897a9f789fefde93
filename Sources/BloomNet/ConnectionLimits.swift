import BloomWire

/// The per-connection protocol limits (spec §2.5 items 1, 5, 12, 13, §9), with the spec's values as defaults.
///
/// Times are seconds on the connection's injected clock, so tests can shorten them.
public struct ConnectionLimits: Hashable, Sendable {
    /// A peer that has not completed the handshake within this time is dropped (`--handshake-timeout`, 10 s).
    public var handshakeTimeout: Double = 10
    /// A connection with no complete frame for this long is dead and dropped. The reference sends no pings, so
    /// this is long; TCP keepalive catches vanished hosts sooner.
    public var idleTimeout: Double = 900
    /// PHASE: 60 a minute (burst 60, refill 1/s).
    public var phase: RateLimit = .phase
    /// Block requests (GETBLOCKS, unsolicited GETDATA): 10 a minute (burst 10, refill 1 per 6 s).
    public var blockRequests: RateLimit = .blockRequests
    /// Unknown types: ignored, but limited like PHASE so a flood of them still costs points.
    public var unknownTypes: RateLimit = .unknownTypes
    /// GETHEADERS from a bulk-sync peer: at most 10 a second (§2.5 item 12).
    public var getHeaders = RateLimit(burst: 10, refillPerSecond: 10)
    /// GETDATA for blocks we offered: at most this many requested and not yet sent (§2.5 item 5).
    public var maxOutstandingOfferedGetData = WireLimits.maxOutstandingOfferedGetData
    /// GETBLOCKDATA: at most this many blocks requested and not yet sent (§2.5 item 12).
    public var maxOutstandingBulkBlocks = WireLimits.maxOutstandingBulkBlocks
    /// How long a block listed in BLOCKS/HEADERS or relayed to the peer counts as offered (§2.5 item 5: 10 min).
    public var offeredBlockWindow = WireLimits.offeredBlockWindowSeconds
    /// At most this many offered hashes are remembered per peer; the oldest are forgotten first (a forgotten
    /// offer only means a later GETDATA for it counts as a block request).
    public var maxOfferedBlocks = 4_096

    /// The spec's limits.
    public init() {}
}
