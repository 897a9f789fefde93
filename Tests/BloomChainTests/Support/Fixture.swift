import BloomChain
import BloomCore

/// Builds fixture chains in code: blocks are valid by construction (linspace certificates, r ≈ 1), not mined.
enum Fixture {
    static let genesis = Genesis.block()
    /// A clock well after every fixture timestamp (blocks are 60 s apart from the genesis).
    static let now: UInt32 = BloomConstants.genesisTimestamp + 10_000_000

    static func address(_ tag: UInt8) -> Hash256 {
        Hash256(bytes: [UInt8](repeating: tag, count: 32)) ?? .zero
    }

    static let alice = address(0xa1)
    static let bob = address(0xb0)
    static let carol = address(0xc0)

    static func engine(
        configuration: ChainEngine<InMemoryChainStore>.Configuration = .init()
    ) throws -> ChainEngine<InMemoryChainStore> {
        try ChainEngine(store: InMemoryChainStore(), genesis: genesis, configuration: configuration)
    }

    /// A valid child of `parent` at `height` with a full-reward coinbase to `reward` and `transfers`.
    static func child(
        of parent: Block,
        height: UInt32,
        reward: Hash256? = alice,
        transfers: [Transaction] = [],
        nonce: UInt32 = 0
    ) -> Block {
        FixtureBlocks.child(
            of: parent.header,
            height: height,
            rewardAddress: reward,
            transfers: transfers,
            nonce: nonce
        )
    }

    /// A chain of `count` blocks on `parent` (heights `parentHeight + 1 …`), each with only a coinbase.
    static func chain(on parent: Block, parentHeight: UInt32, count: Int, reward: Hash256 = alice, nonce: UInt32 = 0)
        -> [Block]
    {
        var blocks: [Block] = []
        var tip = parent
        for offset in 0..<count {
            let block = child(of: tip, height: parentHeight + UInt32(offset) + 1, reward: reward, nonce: nonce)
            blocks.append(block)
            tip = block
        }
        return blocks
    }

    /// The coinbase output of `block`.
    static func coinbaseOutput(of block: Block) -> OutPoint {
        OutPoint(txid: block.transactions.first?.txid ?? .zero, index: 0)
    }

    /// Spends `outpoint` (worth `amount`) entirely to `address`.
    static func pay(_ outpoint: OutPoint, amount: UInt64, to address: Hash256) -> Transaction {
        FixtureBlocks.transfer(spending: [outpoint], to: [TxOutput(amount: amount, address: address)])
    }

    static func reward(_ height: UInt32) -> UInt64 {
        Transaction.blockReward(height: UInt64(height))
    }
}

extension ChainEngine where Store == InMemoryChainStore {
    /// Submits a fixture block at the fixture clock.
    @discardableResult
    func submit(_ block: Block) throws -> BlockVerdict {
        try submit(block.serialized(), now: Fixture.now)
    }

    /// The whole observable state of the best chain, to compare "before" with "after".
    func snapshot() throws -> ChainSnapshot {
        var mainChain: [Hash256] = []
        for height in 0...tip.height {
            if let hash = try hash(atHeight: height) { mainChain.append(hash) }
        }
        return ChainSnapshot(info: try chainInfo(), utxos: store.allUnspentOutputs(), mainChain: mainChain)
    }
}

struct ChainSnapshot: Equatable {
    var info: ChainInfo
    var utxos: [OutPoint: UTXOEntry]
    var mainChain: [Hash256]
}
