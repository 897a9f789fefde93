import BloomChain
import BloomCore
import BloomSync

/// Fixture chains built in code (valid by construction, not mined), for the store, mempool and sync tests.
enum SyncFixture {
    static let genesis = Genesis.block()
    /// A clock well after every fixture timestamp (blocks are 60 s apart from the genesis).
    static let now: UInt32 = BloomConstants.genesisTimestamp + 10_000_000

    static func address(_ tag: UInt8) -> Hash256 {
        Hash256(bytes: [UInt8](repeating: tag, count: 32)) ?? .zero
    }

    static let alice = address(0xa1)
    static let bob = address(0xb0)

    /// A chain of `count` blocks on `parent` (heights `parentHeight + 1 …`), each with a coinbase to `reward`.
    static func chain(
        on parent: Block,
        parentHeight: UInt32,
        count: Int,
        reward: Hash256 = alice,
        nonce: UInt32 = 0
    ) -> [Block] {
        var blocks: [Block] = []
        var tip = parent
        for offset in 0..<count {
            let block = FixtureBlocks.child(
                of: tip.header,
                height: parentHeight + UInt32(offset) + 1,
                rewardAddress: reward,
                nonce: nonce
            )
            blocks.append(block)
            tip = block
        }
        return blocks
    }

    static func coinbaseOutput(of block: Block) -> OutPoint {
        OutPoint(txid: block.transactions.first?.txid ?? .zero, index: 0)
    }

    static func reward(_ height: UInt32) -> UInt64 { Transaction.blockReward(height: UInt64(height)) }

    /// Spends `outpoint` (worth `amount`) to `address`, less `fee`.
    static func pay(_ outpoint: OutPoint, amount: UInt64, to address: Hash256, fee: UInt64 = 0) -> Transaction {
        FixtureBlocks.transfer(spending: [outpoint], to: [TxOutput(amount: amount - fee, address: address)])
    }
}

/// The observable state of a chain, to compare stores and "before" with "after".
struct ChainSnapshot: Equatable {
    var tip: ChainTip
    var mainChain: [Hash256]
    var utxos: [OutPoint: UTXOEntry]
    var info: ChainInfo

    init<Store: ChainStore>(_ engine: ChainEngine<Store>) throws {
        tip = engine.tip
        mainChain = try (0...engine.tip.height).map { height in
            guard let hash = try engine.hash(atHeight: height) else { throw ChainError(.corruptStore, "gap") }
            return hash
        }
        utxos = try engine.store.allUnspentOutputs()
        info = try engine.chainInfo()
    }
}
