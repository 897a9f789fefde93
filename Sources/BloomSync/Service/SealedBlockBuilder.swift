import BloomBus
import BloomChain
import BloomCore

/// Builds the block of a local seal (`gossip.sealed`, DESIGN.md contracts): on the current tip only, timestamp
/// max(now, parent + 1), a coinbase of the full reward to the reward address, then mempool transactions.
public enum SealedBlockBuilder {
    /// Why a seal produced no block.
    public enum Refusal: Error, Sendable, Hashable {
        /// The tip moved since the seal was made: the seal is dropped.
        case tipMoved
        /// The certificate bytes do not decode.
        case badCertificate
    }

    /// Bytes a block spends besides its transactions: header, cert_len, certificate, tx_count.
    private static func overhead(certificateSize: Int) -> Int { BlockHeader.size + 4 + certificateSize + 4 }

    /// The block for `seal` on `tip` (whose header is `parent`).
    ///
    /// - Parameters:
    ///   - seal: the certificate and header fields from bloom-gossip.
    ///   - tip: the current best tip.
    ///   - parent: the tip's header.
    ///   - now: the wall clock, Unix seconds.
    ///   - rewardAddress: where the coinbase pays.
    ///   - mempool: transactions to include, in arrival order, as many as fit.
    public static func build(
        _ seal: GossipSealed,
        tip: BloomChain.ChainTip,
        parent: BlockHeader,
        now: UInt32,
        rewardAddress: Hash256,
        mempool: Mempool
    ) -> Result<Block, Refusal> {
        guard seal.prevHash == tip.hash else { return .failure(.tipMoved) }
        guard let certificate = try? ConsensusCertificate(decoding: seal.certificate) else {
            return .failure(.badCertificate)
        }
        let height = tip.height + 1
        let coinbase = Transaction.coinbase(height: height, address: rewardAddress, fees: 0, extraData: [])
        let budget =
            BloomConstants.maxBlockSize - overhead(certificateSize: seal.certificate.count)
            - (4 + coinbase.serialized().count)
        let transactions = [coinbase] + mempool.selectForBlock(maxBytes: budget)
        // A parent timestamp of u32 max cannot have a valid child: the chain rules reject it, not an overflow here.
        let timestamp = max(now, parent.timestamp == .max ? .max : parent.timestamp + 1)
        var block = BlockAssembler.assemble(
            prevHash: tip.hash,
            timestamp: timestamp,
            difficulty: parent.difficulty,
            nonce: seal.nonce,
            certificate: certificate,
            transactions: transactions
        )
        // The seal's own header values; the chain rules check them against the certificate (§5 step 4).
        block.header.orderParameter = seal.orderParameter
        block.header.meanPhase = seal.meanPhase
        block.header.oscillatorCount = seal.oscillatorCount
        return .success(block)
    }
}
