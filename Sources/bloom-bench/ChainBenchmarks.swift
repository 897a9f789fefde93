import BloomChain
import BloomCore

/// Chain engine figures on an in-memory store: connecting blocks, and a depth-3 reorganization.
let chainBenchmarks: [Benchmark] = [
    Benchmark(names: ["chain_connect_blocks_per_s"]) { quick in
        let blocks = ChainBenchmarkFixtures.chain(on: ChainBenchmarkFixtures.genesis, height: 0, count: 200)
            .blocks.map { $0.serialized() }
        let rate = try measureRate(seconds: quick ? 0.3 : 3.0) {
            // A fresh chain each round, so every block is connected, never ignored as known.
            let engine = try ChainEngine(store: InMemoryChainStore(), genesis: ChainBenchmarkFixtures.genesis)
            for bytes in blocks {
                let verdict = try engine.submit(bytes, now: ChainBenchmarkFixtures.now)
                guard verdict.verdict == .accept else { throw ChainBenchmarkFixtures.Unexpected(verdict: verdict) }
            }
            return blocks.count
        }
        return [Figure(name: "chain_connect_blocks_per_s", value: rate, unit: "blocks/s")]
    },
    Benchmark(names: ["reorg_ms"]) { quick in
        // Main chain of 10 blocks; a side branch from height 7 holds three blocks (a tie); the fourth makes it
        // longer: disconnect 3, connect 4, each block with a coinbase and three transfers.
        let genesis = ChainBenchmarkFixtures.genesis
        let (trunk, unspent) = ChainBenchmarkFixtures.chain(on: genesis, height: 0, count: 7)
        let forkPoint = trunk[trunk.count - 1]
        let main = ChainBenchmarkFixtures.chain(on: forkPoint, height: 7, count: 3, spendable: unspent).blocks
        let side = ChainBenchmarkFixtures.chain(on: forkPoint, height: 7, count: 4, spendable: unspent, tag: 0xBB)
            .blocks
        let setup = try ChainEngine(store: InMemoryChainStore(), genesis: genesis)
        for block in trunk + main + side.dropLast() {
            let verdict = try setup.submit(block.serialized(), now: ChainBenchmarkFixtures.now)
            guard verdict.verdict == .accept || verdict.verdict == .acceptSideBranch else {
                throw ChainBenchmarkFixtures.Unexpected(verdict: verdict)
            }
        }
        let snapshot = setup.store
        let trigger = side[side.count - 1].serialized()

        var samples: [Double] = []
        for _ in 0..<(quick ? 20 : 200) {
            let engine = try ChainEngine(store: snapshot, genesis: genesis)
            let start = now()
            let verdict = try engine.submit(trigger, now: ChainBenchmarkFixtures.now)
            samples.append((now() - start) * 1000)
            guard verdict.verdict == .acceptReorg, verdict.effects.disconnected.count == 3 else {
                throw ChainBenchmarkFixtures.Unexpected(verdict: verdict)
            }
        }
        return [Figure(name: "reorg_ms", value: percentile(samples, 50), unit: "ms (median, depth 3)")]
    },
]

/// Fixture chains for the chain benchmarks: valid by construction, not mined.
enum ChainBenchmarkFixtures {
    struct Unexpected: Error, CustomStringConvertible {
        var verdict: BlockVerdict
        var description: String { "unexpected verdict \(verdict)" }
    }

    static let genesis = Genesis.block()
    static let now = BloomConstants.genesisTimestamp + 100_000_000

    static func address(_ tag: UInt8, _ n: Int) -> Hash256 {
        var bytes = [UInt8](repeating: tag, count: 32)
        bytes[0] = UInt8(truncatingIfNeeded: n)
        bytes[1] = UInt8(truncatingIfNeeded: n >> 8)
        return Hash256(bytes: bytes) ?? .zero
    }

    /// `count` blocks on `parent` (at `height`). Each has a coinbase and up to three transfers, each spending
    /// the oldest output still unspent on this chain (`spendable` lists those of the chain below `parent`) and
    /// paying it to two new addresses. Returns the blocks and the outputs still unspent after them.
    static func chain(
        on parent: Block,
        height: UInt32,
        count: Int,
        spendable unspent: [(OutPoint, UInt64)] = [],
        tag: UInt8 = 0xAA
    ) -> (blocks: [Block], unspent: [(OutPoint, UInt64)]) {
        var spendable = unspent
        var blocks: [Block] = []
        var tip = parent
        for offset in 0..<count {
            let blockHeight = height + UInt32(offset) + 1
            var transfers: [Transaction] = []
            while transfers.count < 3, !spendable.isEmpty {
                let (outpoint, amount) = spendable.removeFirst()
                let n = Int(blockHeight) * 4 + transfers.count
                transfers.append(
                    FixtureBlocks.transfer(
                        spending: [outpoint],
                        to: [
                            TxOutput(amount: amount / 2, address: address(tag, n)),
                            TxOutput(amount: amount - amount / 2, address: address(tag &+ 1, n)),
                        ]
                    )
                )
            }
            let block = FixtureBlocks.child(
                of: tip.header,
                height: blockHeight,
                rewardAddress: address(tag, Int(blockHeight)),
                transfers: transfers
            )
            // Every output this block creates can be spent by a later one.
            for transaction in block.transactions {
                let txid = transaction.txid
                for (index, output) in transaction.outputs.enumerated() {
                    spendable.append((OutPoint(txid: txid, index: UInt32(index)), output.amount))
                }
            }
            blocks.append(block)
            tip = block
        }
        return (blocks, spendable)
    }
}
