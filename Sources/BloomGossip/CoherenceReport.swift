import Foundation

/// The answer to the CLI's `coherence` query (DESIGN.md: `bloom coherence --json`).
public struct CoherenceReport: Equatable, Sendable, Encodable {
    /// r and ψ of one ensemble.
    public struct Coherence: Equatable, Sendable, Encodable {
        /// Order parameter.
        public var r: Double
        /// Mean phase.
        public var psi: Double
    }

    /// One peer's line.
    public struct Peer: Equatable, Sendable, Encodable {
        /// The peer id, 16 hex digits.
        public var id: String
        /// `ip:port`, null when bloom-net has not told us.
        public var address: String?
        /// The r of its latest fresh report (PHASE or COHERENCE), null when none.
        public var r: Double?
        /// Seconds since that report, null when none.
        public var ageSeconds: Double?
        /// Its consistency score (0 neutral, negative bad).
        public var score: Double

        enum CodingKeys: String, CodingKey {
            case id, address, r, score
            case ageSeconds = "age_s"
        }

        /// Encodes absent values as JSON null, so scripts see every key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(address, forKey: .address)
            try container.encode(r, forKey: .r)
            try container.encode(ageSeconds, forKey: .ageSeconds)
            try container.encode(score, forKey: .score)
        }
    }

    /// The local ensemble.
    public var local: Coherence
    /// The merged network view.
    public var network: Coherence
    /// Peers merged into the network view.
    public var networkPeers: Int
    /// `get_network_coherence`: mean of peers' COHERENCE r values > 0.
    public var reportedCoherence: Double
    /// Every known peer, ascending id.
    public var peers: [Peer]
    /// Whether blooms are sealed.
    public var mining: Bool
    /// Nonce attempts begun per second.
    public var attemptsPerSecond: Double
    /// Kuramoto rounds per second.
    public var roundsPerSecond: Double
    /// The sharing strategy.
    public var strategy: String

    enum CodingKeys: String, CodingKey {
        case local, network, peers, mining, strategy
        case networkPeers = "network_peers"
        case reportedCoherence = "reported_coherence"
        case attemptsPerSecond = "attempts_per_s"
        case roundsPerSecond = "rounds_per_s"
    }

    /// The JSON text (keys sorted, so answers compare byte for byte).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

extension GossipEngine {
    /// The `coherence` query's answer at `now`.
    /// - Parameters:
    ///   - now: the clock.
    ///   - status: the ensemble thread's latest status.
    public func coherenceReport(now: Double, status: EnsembleStatus) -> CoherenceReport {
        let view = networkView(now: now)
        let lines = peers.keys.sorted().compactMap { peer -> CoherenceReport.Peer? in
            guard let record = peers[peer] else { return nil }
            let fresh = record.lastReport.flatMap { now - $0.at <= configuration.staleAfter ? $0 : nil }
            return CoherenceReport.Peer(
                id: peer.hex,
                address: record.address,
                r: fresh?.r,
                ageSeconds: fresh.map { max(0, now - $0.at) },
                score: score(of: peer, now: now) ?? 0
            )
        }
        return CoherenceReport(
            local: .init(r: status.snapshot.r, psi: status.snapshot.psi),
            network: .init(r: view.r, psi: view.psi),
            networkPeers: view.peerCount,
            reportedCoherence: view.meanReportedCoherence,
            peers: lines,
            mining: status.mining,
            attemptsPerSecond: status.attemptsPerSecond,
            roundsPerSecond: status.roundsPerSecond,
            strategy: configuration.strategy.rawValue
        )
    }
}
