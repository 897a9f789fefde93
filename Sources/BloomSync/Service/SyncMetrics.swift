import Dispatch
import BloomCore
import Metrics

/// bloom-sync's series, through swift-metrics (the Prometheus backend is the service kit's; no-ops in tests).
enum SyncMetrics {
    static let height = Gauge(label: "bloom_chain_height")
    static let progress = Gauge(label: "bloom_sync_progress")
    static let mempool = Gauge(label: "bloom_mempool_transactions")
    static let accepted = Counter(label: "bloom_blocks_accepted_total")
    static let validation = Timer(label: "bloom_block_validation_seconds")
    /// Peers whose answer credit was written off: bloom-net's `p2p.flow written` did not come for 30 s (lost on the
    /// bus, or a peer that has not read for that long).
    static let expiredCredits = Counter(label: "bloom_sync_answer_credit_expired_total")

    /// Codes that never come with a `reject` verdict.
    static let acceptedCodes: Set<ReasonCode> = [.valid, .validEmptyBlock, .validButExceedsUInt16Frame, .validNoReorg,
        .newTip, .alreadyKnown]

    /// A rejected block, by the chain rules' reason code (a fixed set, so the series stay few).
    static func rejected(reason: ReasonCode) {
        Counter(label: "bloom_blocks_rejected_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    /// Makes every series exist from the start (at 0), each rejection reason included, so that dashboards and alert
    /// rules see them before the first event.
    static func prepare() {
        accepted.increment(by: 0)
        expiredCredits.increment(by: 0)
        _ = validation  // registers the histogram (empty buckets) without an observation
        for reason in ReasonCode.allCases where !acceptedCodes.contains(reason) {
            Counter(label: "bloom_blocks_rejected_total", dimensions: [("reason", reason.rawValue)]).increment(by: 0)
        }
    }

    /// The state after a batch: tip height, download progress (1 when caught up) and mempool size.
    static func record(height: UInt32, target: UInt32, mempool: Int) {
        Self.height.record(Int64(height))
        progress.record(target > height ? Double(height) / Double(target) : 1)
        Self.mempool.record(mempool)
    }
}
