import BloomCore

/// A flag value bloom-gossip cannot use; restarting would not fix it.
public struct GossipSettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The flag, e.g. `--gossip-strategy`.
    public var flag: String
    /// The value given.
    public var value: String
    /// What is accepted.
    public var expected: String

    /// A refusal of `value` for `flag`.
    public init(flag: String, value: String, expected: String) {
        self.flag = flag
        self.value = value
        self.expected = expected
    }

    /// `--flag value: expected …`.
    public var description: String { "\(flag) \(value): expected \(expected)" }
}

extension GossipServiceConfiguration {
    /// The service's settings from the common flags of DESIGN.md.
    /// - Parameters:
    ///   - strategy: `--gossip-strategy` (eager, threshold, bloom).
    ///   - incorporateWeight: `--incorporate-weight` (0…1).
    ///   - mine: `--mine`.
    ///   - mineProfile: `--mine-profile` (quick, reference).
    ///   - minBlockInterval: `--min-block-interval` in seconds (≥ 1).
    /// - Throws: `GossipSettingsError` naming the first unusable flag.
    public init(
        strategy: String,
        incorporateWeight: Double,
        mine: Bool,
        mineProfile: String,
        minBlockInterval: Double
    ) throws(GossipSettingsError) {
        guard let sharing = SharingStrategy(rawValue: strategy) else {
            throw GossipSettingsError(flag: "--gossip-strategy", value: strategy, expected: "eager, threshold or bloom")
        }
        guard incorporateWeight.isFinite, (0...1).contains(incorporateWeight) else {
            throw GossipSettingsError(flag: "--incorporate-weight", value: "\(incorporateWeight)", expected: "0…1")
        }
        let profile: MinerConfig
        switch mineProfile {
        case "quick": profile = .quick
        case "reference": profile = .reference
        default: throw GossipSettingsError(flag: "--mine-profile", value: mineProfile, expected: "quick or reference")
        }
        // DESIGN.md: the least time between two local seals is at least 1 s.
        guard minBlockInterval.isFinite, minBlockInterval >= 1 else {
            throw GossipSettingsError(flag: "--min-block-interval", value: "\(minBlockInterval)", expected: "≥ 1")
        }
        self.init(
            gossip: GossipConfiguration(strategy: sharing, incorporateWeight: incorporateWeight),
            mining: MiningConfiguration(miner: profile, mine: mine, minBlockInterval: minBlockInterval)
        )
    }
}
