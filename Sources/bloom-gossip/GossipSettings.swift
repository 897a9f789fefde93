import BloomCore
import BloomGossip
import BloomServiceKit

/// The gossip service's settings from the common node configuration (DESIGN.md flags).
enum GossipSettings {
    /// Maps `--gossip-strategy`, `--incorporate-weight`, `--mine`, `--mine-profile` and `--min-block-interval`.
    /// - Throws: `PermanentFailure` for a value the service cannot use (restarting would not fix it).
    static func make(_ node: NodeConfiguration) throws -> GossipServiceConfiguration {
        guard let strategy = SharingStrategy(rawValue: node.gossipStrategy) else {
            throw PermanentFailure("--gossip-strategy \(node.gossipStrategy): expected eager, threshold or bloom")
        }
        guard node.incorporateWeight.isFinite, (0...1).contains(node.incorporateWeight) else {
            throw PermanentFailure("--incorporate-weight \(node.incorporateWeight): expected 0…1")
        }
        let profile: MinerConfig
        switch node.mineProfile {
        case "quick": profile = .quick
        case "reference": profile = .reference
        default: throw PermanentFailure("--mine-profile \(node.mineProfile): expected quick or reference")
        }
        // DESIGN.md: the least time between two local seals is at least 1 s.
        guard node.minBlockInterval.isFinite, node.minBlockInterval >= 1 else {
            throw PermanentFailure("--min-block-interval \(node.minBlockInterval): expected ≥ 1 second")
        }
        return GossipServiceConfiguration(
            gossip: GossipConfiguration(strategy: strategy, incorporateWeight: node.incorporateWeight),
            mining: MiningConfiguration(miner: profile, mine: node.mine, minBlockInterval: node.minBlockInterval)
        )
    }
}
