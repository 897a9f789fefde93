import BloomCore
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct MerkleTreeTests {
    static let leaves = (1...5).map { BlockTestFixtures.address(UInt8($0)) }

    static func parent(_ a: Hash256, _ b: Hash256) -> Hash256 { SHA256d.hash(a.bytes + b.bytes) }

    @Test func root_ofNothingIsZero_ofOneLeafIsTheLeaf() {
        #expect(MerkleTree.root([]) == .zero)
        #expect(MerkleTree.root([Self.leaves[0]]) == Self.leaves[0])
    }

    @Test func root_ofTwoLeavesHashesThePair() {
        #expect(MerkleTree.root(Array(Self.leaves.prefix(2))) == Self.parent(Self.leaves[0], Self.leaves[1]))
    }

    @Test func root_ofOddLevelsPairsTheLastNodeWithItself() {
        let l = Self.leaves
        let three = Self.parent(Self.parent(l[0], l[1]), Self.parent(l[2], l[2]))
        #expect(MerkleTree.root(Array(l.prefix(3))) == three)
        let ab = Self.parent(l[0], l[1]), cd = Self.parent(l[2], l[3]), ee = Self.parent(l[4], l[4])
        let five = Self.parent(Self.parent(ab, cd), Self.parent(ee, ee))
        #expect(MerkleTree.root(l) == five)
    }

    @Test func root_dependsOnOrder() {
        #expect(MerkleTree.root(Self.leaves) != MerkleTree.root(Self.leaves.reversed()))
    }
}
