import BloomCore
import Metrics
import Foundation
import Prometheus

/// A process's metrics: swift-metrics bootstrapped onto one swift-prometheus registry, plus collectors that render
/// figures the process already counts elsewhere (the bus client's counters, `/proc/self`) at snapshot time.
///
/// Services record through the swift-metrics API (`Counter(label: "bloom_blocks_sealed_total")`); the service
/// kit's bus link sends ``snapshot()`` to the supervisor on `svc.metrics` once a second. Every label set of one
/// name must have the same label names (swift-prometheus traps otherwise): use the names of ``MetricNames``.
public final class NodeMetrics: Sendable {
    /// The process's registry; swift-metrics' factory writes into it.
    public let registry: PrometheusCollectorRegistry
    private let collectors = Locked<[@Sendable () -> String]>([])

    private static let shared = Locked<NodeMetrics?>(nil)

    /// A registry of its own, not bootstrapped (tests).
    public init() {
        registry = PrometheusCollectorRegistry()
    }

    /// The process's metrics: the first call bootstraps swift-metrics onto a new registry (the API allows one
    /// bootstrap per process), later calls return the same object.
    public static func bootstrap() -> NodeMetrics {
        shared.withLock { current in
            if let current { return current }
            let metrics = NodeMetrics()
            var factory = PrometheusMetricsFactory(registry: metrics.registry)
            factory.durationHistogramBuckets[MetricNames.blockValidationSeconds] = [
                .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
                .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
            ]
            MetricsSystem.bootstrap(factory)
            current = metrics
            return metrics
        }
    }

    /// Adds a collector: called at every snapshot, it returns exposition text (with its own `# TYPE` lines) for
    /// figures counted elsewhere. It must be quick and must not block.
    public func addCollector(_ collector: @escaping @Sendable () -> String) {
        collectors.withLock { $0.append(collector) }
    }

    /// The exposition text of everything: the registry, the collectors and the process figures.
    public func snapshot() -> [UInt8] {
        var bytes = registry.emitToBuffer()
        for collector in collectors.withLock({ $0 }) { bytes += Array(collector().utf8) }
        if let process = ProcessStats.current() { bytes += Array(process.exposition.utf8) }
        return bytes
    }
}

/// The series names operators and alert rules depend on (issue 13), with their help text: the supervisor adds
/// the help to series recorded through swift-metrics, whose API has no place for it.
public enum MetricNames {
    public static let serviceUp = "bloom_service_up"
    public static let serviceRestarts = "bloom_service_restarts_total"
    public static let chainHeight = "bloom_chain_height"
    public static let syncProgress = "bloom_sync_progress"
    public static let peers = "bloom_peers"
    public static let p2pMessages = "bloom_p2p_messages_total"
    public static let p2pBytes = "bloom_p2p_bytes_total"
    public static let peerBans = "bloom_peer_bans_total"
    public static let misbehaviourPoints = "bloom_misbehaviour_points_total"
    public static let peerDisconnects = "bloom_peer_disconnects_total"
    public static let answerCreditExpired = "bloom_sync_answer_credit_expired_total"
    public static let coherenceR = "bloom_coherence_r"
    public static let phasesReceived = "bloom_gossip_phases_received_total"
    public static let blocksAccepted = "bloom_blocks_accepted_total"
    public static let blocksRejected = "bloom_blocks_rejected_total"
    public static let blocksSealed = "bloom_blocks_sealed_total"
    public static let miningAttempts = "bloom_mining_attempts_total"
    public static let mempoolTransactions = "bloom_mempool_transactions"
    public static let busMessages = "bloom_bus_messages_total"
    public static let busDropped = "bloom_bus_dropped_total"
    public static let blockValidationSeconds = "bloom_block_validation_seconds"

    /// Help text by family name.
    public static let help: [String: String] = [
        serviceUp: "1 when the replica runs and has reported ready, else 0.",
        serviceRestarts: "Restarts of the service's replicas by the supervisor (crashes, hangs, bloom restart).",
        chainHeight: "Height of the best chain's tip.",
        syncProgress: "Initial block download progress, 0 to 1 (1 when caught up).",
        peers: "Connected peers by direction.",
        p2pMessages: "Peer messages by direction and type.",
        p2pBytes: "Peer frame bytes by direction.",
        peerBans: "Peers banned.",
        misbehaviourPoints: "Misbehaviour points given to peers.",
        peerDisconnects: "Connections closed, by reason (handshaken or not).",
        answerCreditExpired: "Peers whose answer credit was written off: no p2p.flow written from bloom-net for 30 s.",
        coherenceR: "Kuramoto order parameter r of the local ensemble and of the merged network view.",
        phasesReceived: "PHASE messages received from peers.",
        blocksAccepted: "Blocks accepted into the block tree.",
        blocksRejected: "Blocks rejected, by reason.",
        blocksSealed: "Blooms sealed by this node's miner.",
        miningAttempts: "Nonce attempts begun by the miner.",
        mempoolTransactions: "Transactions in the mempool.",
        busMessages: "Bus messages published and received by this process.",
        busDropped: "Bus messages lost: gaps in other publishers' sequences, and publishes the queue refused.",
        blockValidationSeconds: "Time to validate a block against the chain rules.",
    ]
}
