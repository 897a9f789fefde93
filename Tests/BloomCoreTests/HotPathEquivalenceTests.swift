import BloomTestSupport
import Testing

@testable import BloomCore

/// The faster forms of block validation's hot paths against the plain ones they replace: the txid from a
/// temporary buffer against SHA256d of `signingBytes()`, the in-place Merkle root against a level-by-level
/// reference written here, the pairwise duplicate check against a set, and the stack-widened f32 order parameter
/// against the mapped array.
@Suite(.dedicatedThread) struct HotPathEquivalenceTests {
    static func randomHash(_ rng: inout SplitMix64) -> Hash256 {
        Hash256(bytes: [UInt8].random(count: 32, using: &rng)) ?? .zero
    }

    static func randomTransaction(_ rng: inout SplitMix64) -> Transaction {
        // 0 inputs or outputs included (the txid does not care about structure), and more than a stack page's
        // worth now and then.
        let inputCount = rng.next() % 8 == 0 ? Int(rng.next() % 200) : Int(rng.next() % 4)
        let outputCount = Int(rng.next() % 5)
        return Transaction(
            version: UInt32(truncatingIfNeeded: rng.next()),
            inputs: (0..<inputCount).map { _ in
                TxInput(prevTx: randomHash(&rng), outputIndex: UInt32(truncatingIfNeeded: rng.next()),
                        signature: [UInt8].random(count: 64, using: &rng))
            },
            outputs: (0..<outputCount).map { _ in TxOutput(amount: rng.next(), address: randomHash(&rng)) },
            locktime: UInt32(truncatingIfNeeded: rng.next())
        )
    }

    /// Spec §4.7 as written: pairs hashed level by level into new arrays.
    static func plainMerkleRoot(_ leaves: [Hash256]) -> Hash256 {
        if leaves.isEmpty { return .zero }
        var level = leaves
        while level.count > 1 {
            var next: [Hash256] = []
            for i in stride(from: 0, to: level.count, by: 2) {
                let right = i + 1 < level.count ? level[i + 1] : level[i]
                next.append(SHA256d.hash(level[i].bytes + right.bytes))
            }
            level = next
        }
        return level[0]
    }

    @Test func txid_isSHA256dOfTheSigningBytes() {
        var rng = SplitMix64.printingSeed()
        for _ in 0..<300 {
            let tx = Self.randomTransaction(&rng)
            #expect(tx.txid == SHA256d.hash(tx.signingBytes()), "\(tx.inputs.count) in, \(tx.outputs.count) out")
        }
    }

    @Test func merkleRoot_inPlace_matchesLevelByLevel_forEveryCountUpTo70() {
        var rng = SplitMix64.printingSeed()
        let leaves = (0..<70).map { _ in Self.randomHash(&rng) }
        for count in 0...70 {
            let prefix = Array(leaves.prefix(count))
            #expect(MerkleTree.root(prefix) == Self.plainMerkleRoot(prefix), "\(count) leaves")
        }
        // The caller's array is not touched by the in-place reduction.
        let copy = leaves
        _ = MerkleTree.root(leaves)
        #expect(leaves == copy)
    }

    @Test(arguments: [0, 1, 2, 9, 32, 33, 100])
    func containsDuplicate_agreesWithASet(count: Int) {
        var rng = SplitMix64.printingSeed()
        let distinct = (0..<count).map { _ in Self.randomHash(&rng) }
        #expect(!Block.containsDuplicate(distinct))
        guard count >= 2 else { return }
        for _ in 0..<20 {
            var ids = distinct
            let from = Int(rng.next() % UInt64(count))
            var to = Int(rng.next() % UInt64(count))
            if to == from { to = (to + 1) % count }
            ids[to] = ids[from]
            #expect(Block.containsDuplicate(ids), "copy of \(from) at \(to) of \(count)")
            #expect(Set(ids).count != ids.count)
        }
    }

    @Test func orderParameter_ofF32Phases_isTheMappedArraysBitForBit() {
        var rng = SplitMix64.printingSeed()
        for count in [0, 1, 7, 63, 64, 200, 300] {
            // Bit patterns up to 0x40ff_ffff: every sign-less f32 from 0 to just under 8.
            let phases = (0..<count).map { _ in
                Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x40ff_ffff)
            }
            let widened = OrderParameter.compute(phases)
            let mapped = OrderParameter.compute(phases.map(Double.init))
            #expect(widened.r.bitPattern == mapped.r.bitPattern && widened.psi.bitPattern == mapped.psi.bitPattern,
                    "\(count) phases")
        }
    }
}
