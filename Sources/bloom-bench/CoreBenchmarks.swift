import BloomCore

/// Header hashing and block decoding/validation throughput.
let coreBenchmarks: [Benchmark] = [
    Benchmark(names: ["header_hash_per_s"]) { quick in
        var header = Genesis.block().header
        let rate = measureRate(seconds: quick ? 0.2 : 2.0) {
            // A new nonce each time, as a miner or a header sync would hash, so no result can be reused.
            var acc: UInt64 = 0
            for _ in 0..<1000 {
                header.nonce &+= 1
                acc &+= header.hash.withUnsafeBytes { UInt64($0[0]) }
            }
            blackHole(acc)
            return 1000
        }
        return [Figure(name: "header_hash_per_s", value: rate, unit: "hashes/s")]
    },
    Benchmark(names: ["block_decode_validate_per_s"]) { quick in
        let bytes = CoreBenchmarkFixtures.realisticBlock().serialized()
        var failures = 0
        let rate = measureRate(seconds: quick ? 0.2 : 2.0) {
            for _ in 0..<10 {
                do {
                    let block = try Block(decoding: bytes)
                    if block.checkStructure() != nil { failures += 1 }
                    blackHole(block)
                } catch {
                    failures += 1
                }
            }
            return 10
        }
        if failures > 0 { throw CoreBenchmarkFixtures.Failure(count: failures) }
        return [Figure(name: "block_decode_validate_per_s", value: rate, unit: "blocks/s")]
    },
]

/// The benchmark block: built in code from the genesis builders so it passes every context-free check.
enum CoreBenchmarkFixtures {
    struct Failure: Error, CustomStringConvertible {
        var count: Int
        var description: String { "\(count) benchmark blocks failed to decode or validate" }
    }

    /// A block on top of the genesis with N = 63, a coinbase and eight two-in/two-out transfers.
    static func realisticBlock() -> Block {
        let template = Genesis.block(rewardAddress: address(0xAA))
        var transactions = [
            Transaction.coinbase(height: 1, address: address(0xAA), fees: 0, extraData: Array("bench".utf8))
        ]
        for t in 0..<8 {
            let inputs = (0..<2).map { i in
                TxInput(prevTx: address(UInt8(t * 2 + i + 1)), outputIndex: UInt32(i),
                        signature: [UInt8](repeating: UInt8(t), count: TxInput.signatureSize))
            }
            let outputs = (0..<2).map { o in TxOutput(amount: UInt64(1_000 + o), address: address(UInt8(0x40 + t))) }
            transactions.append(Transaction(version: 1, inputs: inputs, outputs: outputs, locktime: 0))
        }
        var header = template.header
        header.prevHash = Genesis.hash
        header.timestamp += 420
        header.merkleRoot = MerkleTree.root(transactions.map(\.txid))
        return Block(header: header, certificate: template.certificate, transactions: transactions)
    }

    static func address(_ byte: UInt8) -> Hash256 {
        Hash256(bytes: [UInt8](repeating: byte, count: 32)) ?? .zero
    }
}
