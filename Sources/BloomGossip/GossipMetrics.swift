import Metrics

/// bloom-gossip's series, through swift-metrics (the Prometheus backend is the service kit's; no-ops in tests).
struct GossipMetrics {
    static let localR = Gauge(label: "bloom_coherence_r", dimensions: [("scope", "local")])
    static let networkR = Gauge(label: "bloom_coherence_r", dimensions: [("scope", "network")])
    static let phasesReceived = Counter(label: "bloom_gossip_phases_received_total")
    static let sealed = Counter(label: "bloom_blocks_sealed_total")
    static let attempts = Counter(label: "bloom_mining_attempts_total")

    /// Attempts already counted (the ensemble thread keeps a running total; the counter takes the difference).
    var attemptsCounted = 0
    /// When the gauges were last set (the engine's report is computed at most once a second for them).
    var lastUpdate = -Double.infinity

    /// Makes every series exist from the start (at 0): static properties are otherwise made on first use.
    static func prepare() {
        localR.record(0)
        networkR.record(0)
        phasesReceived.increment(by: 0)
        sealed.increment(by: 0)
        attempts.increment(by: 0)
    }

    /// Brings the counters and gauges up to date, at most once a second.
    mutating func update(now: Double, attempts: Int, report: () -> CoherenceReport) {
        guard now - lastUpdate >= 1 else { return }
        lastUpdate = now
        if attempts > attemptsCounted {
            Self.attempts.increment(by: Int64(attempts - attemptsCounted))
        }
        attemptsCounted = attempts
        let coherence = report()
        Self.localR.record(coherence.local.r)
        Self.networkR.record(coherence.network.r)
    }
}
