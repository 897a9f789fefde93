import BloomCore
import Testing

/// Valid values built in code (from the genesis builders), which the decoding and structure tests mutate.
enum BlockTestFixtures {
    static func address(_ byte: UInt8) -> Hash256 {
        Hash256(bytes: [UInt8](repeating: byte, count: 32)) ?? .zero
    }

    /// A transfer spending `inputs` outpoints of a made-up transaction `seed` into two outputs.
    static func transfer(seed: UInt8, inputs: Int = 2, outputs: Int = 2) -> Transaction {
        Transaction(
            version: 1,
            inputs: (0..<inputs).map { i in
                TxInput(prevTx: address(seed), outputIndex: UInt32(i),
                        signature: (0..<64).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0) })
            },
            outputs: (0..<outputs).map { o in TxOutput(amount: 1_000 + UInt64(o), address: address(seed &+ 0x40)) },
            locktime: UInt32(seed)
        )
    }

    /// A valid certificate (the genesis one, N = 63).
    static var certificate: ConsensusCertificate { Genesis.block().certificate }

    /// A block on top of genesis with a coinbase and three transfers, passing every context-free check.
    static func block(transactions: [Transaction]? = nil) -> Block {
        let txs = transactions ?? [
            Transaction.coinbase(height: 1, address: address(0xAA), fees: 0, extraData: Array("fixture".utf8)),
            transfer(seed: 1), transfer(seed: 2, inputs: 1, outputs: 3), transfer(seed: 3, inputs: 3, outputs: 1),
        ]
        var header = Genesis.block().header
        header.prevHash = Genesis.hash
        header.timestamp += 420
        header.merkleRoot = MerkleTree.root(txs.map(\.txid))
        return Block(header: header, certificate: certificate, transactions: txs)
    }

    /// The block with its header's Merkle root recomputed from its transactions.
    static func resealed(_ block: Block) -> Block {
        var copy = block
        copy.header.merkleRoot = MerkleTree.root(copy.txids)
        return copy
    }

    /// The outcome of the block decoder on `bytes`: nil on success, else the reason code.
    static func decodeReason(_ bytes: [UInt8]) -> ReasonCode? {
        do {
            _ = try Block(decoding: bytes)
            return nil
        } catch {
            return error.reason
        }
    }
}

extension Array where Element == UInt8 {
    /// Overwrites a little-endian u32 at `offset`.
    mutating func setU32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    /// Reads a little-endian u32 at `offset`.
    func u32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * UInt32($1)) }
    }
}
