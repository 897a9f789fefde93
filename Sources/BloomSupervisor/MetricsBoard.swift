import BloomCore
import BloomServiceKit
import Foundation

/// What the supervisor's loop shares with its HTTP server: the replicas as the loop last saw them and every
/// replica's latest `svc.metrics` snapshot. The loop writes (a lock held for a copy), the HTTP threads read and do
/// all the parsing and rendering, so a scrape never costs the loop more than that lock.
public final class MetricsBoard: Sendable {
    /// One replica as `/metrics` needs it.
    public struct ReplicaFacts: Equatable, Sendable {
        public var service: String
        public var replica: Int
        public var up: Bool
        public var restarts: Int
        /// The boot id of the running process's heartbeats; `nil` when none runs or it has not beaten yet.
        public var bootID: UInt32?

        public init(service: String, replica: Int, up: Bool, restarts: Int, bootID: UInt32?) {
            self.service = service
            self.replica = replica
            self.up = up
            self.restarts = restarts
            self.bootID = bootID
        }
    }

    private struct Snapshot {
        var bootID: UInt32
        var text: [UInt8]
    }

    private struct State {
        var replicas: [ReplicaFacts] = []
        var snapshots: [String: Snapshot] = [:]
        /// Restarts of replicas removed by a scale down, per service: the counter must never go back.
        var retiredRestarts: [String: Int] = [:]
    }

    private let state = Locked(State())

    /// The supervisor's own name in the `service` label.
    public static let supervisorService = "bloom-supervisor"

    /// An empty board.
    public init() {}

    private static func key(_ service: String, _ replica: Int) -> String { "\(service)/\(replica)" }

    /// The loop's view of the replicas (called a few times a second). Snapshots of processes that are gone are
    /// dropped: a service that is down has no series.
    public func update(replicas: [ReplicaFacts]) {
        state.withLock { state in
            for old in state.replicas
            where !replicas.contains(where: { $0.service == old.service && $0.replica == old.replica }) {
                state.retiredRestarts[old.service, default: 0] += old.restarts
            }
            state.replicas = replicas
            state.snapshots = state.snapshots.filter { key, snapshot in
                replicas.contains { Self.key($0.service, $0.replica) == key && $0.bootID == snapshot.bootID }
            }
        }
    }

    /// A replica's snapshot, kept only while it comes from the replica's current process.
    public func store(service: String, replica: Int, bootID: UInt32, text: [UInt8]) {
        state.withLock { state in
            guard state.replicas.contains(where: { $0.service == service && $0.replica == replica && $0.bootID == bootID })
            else { return }
            state.snapshots[Self.key(service, replica)] = Snapshot(bootID: bootID, text: text)
        }
    }

    /// The replicas as last reported.
    public var replicas: [ReplicaFacts] { state.withLock { $0.replicas } }

    /// Everything `/metrics` serves: the supervisor's own series (`bloom_service_up`, `bloom_service_restarts_total`,
    /// its `process_*`), then every replica's snapshot with `service` and `replica` labels added, families of the
    /// same name merged (the format wants each family's lines together) and `# HELP` filled in.
    /// A snapshot that does not parse is left out and counted in `bloom_metrics_snapshot_errors`.
    public func exposition(supervisorProcess: ProcessStats? = ProcessStats.current()) -> String {
        let (replicas, snapshots, retired) = state.withLock { ($0.replicas, $0.snapshots, $0.retiredRestarts) }
        var families: [MetricFamily] = []
        var positions: [String: Int] = [:]
        func add(_ family: MetricFamily, service: String, replica: Int?) {
            var family = family
            if family.help.isEmpty { family.help = MetricNames.help[family.name] ?? "" }
            for index in family.samples.indices {
                var labels = family.samples[index].labels.filter { $0.name != "service" && $0.name != "replica" }
                labels.insert(MetricLabel("service", service), at: 0)
                if let replica { labels.insert(MetricLabel("replica", String(replica)), at: 1) }
                family.samples[index].labels = labels
            }
            if let position = positions[family.name] {
                // A family whose type disagrees with the one already served is left out rather than served wrong.
                guard families[position].type == family.type else { return }
                families[position].samples += family.samples
            } else {
                positions[family.name] = families.count
                families.append(family)
            }
        }
        families.append(
            MetricFamily(
                name: MetricNames.serviceUp,
                type: "gauge",
                help: MetricNames.help[MetricNames.serviceUp] ?? "",
                samples: replicas.map {
                    MetricSample(
                        name: MetricNames.serviceUp,
                        labels: [MetricLabel("service", $0.service), MetricLabel("replica", String($0.replica))],
                        value: $0.up ? 1 : 0
                    )
                }
            )
        )
        positions[MetricNames.serviceUp] = 0
        var restarts: [(String, Int)] = []
        for facts in replicas {
            if let index = restarts.firstIndex(where: { $0.0 == facts.service }) {
                restarts[index].1 += facts.restarts
            } else {
                restarts.append((facts.service, facts.restarts + (retired[facts.service] ?? 0)))
            }
        }
        for (service, count) in retired where !restarts.contains(where: { $0.0 == service }) {
            restarts.append((service, count))
        }
        families.append(
            MetricFamily(
                name: MetricNames.serviceRestarts,
                type: "counter",
                help: MetricNames.help[MetricNames.serviceRestarts] ?? "",
                samples: restarts.map {
                    MetricSample(name: MetricNames.serviceRestarts, labels: [MetricLabel("service", $0.0)],
                        value: Double($0.1))
                }
            )
        )
        positions[MetricNames.serviceRestarts] = families.count - 1
        var errors = 0
        if let supervisorProcess, let parsed = try? PrometheusText.parse(supervisorProcess.exposition) {
            for family in parsed { add(family, service: Self.supervisorService, replica: 0) }
        }
        for facts in replicas {
            guard let snapshot = snapshots[Self.key(facts.service, facts.replica)] else { continue }
            guard let text = String(validating: snapshot.text, as: UTF8.self),
                let parsed = try? PrometheusText.parse(text)
            else {
                errors += 1
                continue
            }
            for family in parsed { add(family, service: facts.service, replica: facts.replica) }
        }
        families.append(
            MetricFamily(
                name: "bloom_metrics_snapshot_errors",
                type: "gauge",
                help: "Service snapshots left out of this scrape because they did not parse.",
                samples: [MetricSample(name: "bloom_metrics_snapshot_errors", value: Double(errors))]
            )
        )
        var out = ""
        out.reserveCapacity(16_384)
        PrometheusText.render(families, into: &out)
        return out
    }
}
