import BloomGossip
import BloomServiceKit

/// The gossip service's settings from the common node configuration.
enum GossipSettings {
    /// - Throws: `PermanentFailure` for a value the service cannot use (restarting would not fix it).
    static func make(_ node: NodeConfiguration) throws -> GossipServiceConfiguration {
        do {
            return try GossipServiceConfiguration(
                strategy: node.gossipStrategy,
                incorporateWeight: node.incorporateWeight,
                mine: node.mine,
                mineProfile: node.mineProfile,
                minBlockInterval: node.minBlockInterval
            )
        } catch {
            throw PermanentFailure(error.description)
        }
    }
}
