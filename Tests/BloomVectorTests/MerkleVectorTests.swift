import BloomCore
import BloomTestSupport
import Testing

/// merkle.json: Merkle roots for empty, single, even and odd leaf counts, exact.
@Suite(.dedicatedThread) struct MerkleVectorTests {
    @Test func everyCase_rootMatches() throws {
        let cases = try Vectors.load("merkle.json")["cases"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let leaves = try item["leaves"].array.map { leaf in
                try #require(Hash256(hex: try leaf.string), "\(leaf.path)")
            }
            #expect(leaves.count == (try item["count"].int), "\(item.path).count")
            #expect(MerkleTree.root(leaves).hex == (try item["root"].string), "\(item.path).root")
        }
    }
}
