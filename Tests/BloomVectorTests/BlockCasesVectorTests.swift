import BloomChain
import BloomCore
import BloomTestSupport
import Foundation
import Testing

/// `block_cases.json`: each broken or unusual block against a node holding `chain.json` up to a height.
@Suite(.dedicatedThread) struct BlockCasesVectorTests {
    @Test func everyCase_onTheInMemoryStore_reachesTheRecommendedVerdict_andLeavesTheTipAsTheSpecSays() throws {
        try BlockCaseVectors.verifyAllCases { InMemoryChainStore() }
    }
}
