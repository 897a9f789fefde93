import BloomCore
import BloomGossip
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct SettingsTests {
    @Test func flags_mapToTheServiceConfiguration() throws {
        let settings = try GossipServiceConfiguration(
            strategy: "threshold",
            incorporateWeight: 0.25,
            mine: true,
            mineProfile: "reference",
            minBlockInterval: 5
        )
        #expect(settings.gossip.strategy == .threshold)
        #expect(settings.gossip.incorporateWeight == 0.25)
        #expect(settings.mining.mine)
        #expect(settings.mining.miner == .reference)
        #expect(settings.mining.minBlockInterval == 5)
    }

    @Test(arguments: [
        ("gossiping", 0.1, "quick", 420.0, "--gossip-strategy"),
        ("bloom", 1.5, "quick", 420.0, "--incorporate-weight"),
        ("bloom", Double.nan, "quick", 420.0, "--incorporate-weight"),
        ("bloom", 0.1, "fast", 420.0, "--mine-profile"),
        ("bloom", 0.1, "quick", 0.5, "--min-block-interval"),
    ])
    func badFlag_isNamed(strategy: String, weight: Double, profile: String, interval: Double, flag: String) {
        do {
            _ = try GossipServiceConfiguration(
                strategy: strategy,
                incorporateWeight: weight,
                mine: false,
                mineProfile: profile,
                minBlockInterval: interval
            )
            Issue.record("\(flag): accepted")
        } catch {
            #expect(error.flag == flag)
        }
    }
}
