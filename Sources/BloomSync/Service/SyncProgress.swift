import BloomChain

/// Download progress, for the log and the `chain` query: height, target, blocks per second and ETA.
public struct SyncProgress: Sendable, Hashable {
    /// The best tip's height.
    public var height: UInt32 = 0
    /// The height download heads for (best peer or header chain).
    public var target: UInt32 = 0
    /// Blocks connected per second, smoothed (exponential moving average over ticks at least a second apart).
    public var blocksPerSecond = 0.0
    private var connectedSinceSample = 0
    private var sampleStart: Double?

    /// No progress yet.
    public init() {}

    /// True while a peer is known to be ahead.
    public var isSyncing: Bool { target > height }

    /// Below this many blocks a second the download counts as stalled: the average then drops to 0 instead of
    /// decaying forever, so the ETA is "unknown", never an ever-growing number (it overflowed an Int in the log
    /// after two minutes of a stalled download and crashed bloom-sync).
    public static let stalledRate = 0.01

    /// Seconds left at the current rate, nil when unknown or not syncing.
    public var etaSeconds: Double? {
        guard isSyncing, blocksPerSecond > 0 else { return nil }
        return Double(target - height) / blocksPerSecond
    }

    mutating func connected(_ count: Int) { connectedSinceSample += count }

    /// Updates height and target, and the rate once a second has passed since the last sample.
    mutating func sample(height: UInt32, target: UInt32, now: Double) {
        self.height = height
        self.target = max(target, height)
        guard let start = sampleStart else {
            sampleStart = now
            return
        }
        let elapsed = now - start
        guard elapsed >= 1 else { return }
        let rate = Double(connectedSinceSample) / elapsed
        // Weight 0.3 on the newest second: steady enough for an ETA, quick to follow a stall.
        blocksPerSecond = blocksPerSecond == 0 ? rate : 0.7 * blocksPerSecond + 0.3 * rate
        if blocksPerSecond < Self.stalledRate { blocksPerSecond = 0 }
        connectedSinceSample = 0
        sampleStart = now
    }
}
