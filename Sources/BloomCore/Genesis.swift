/// The genesis block (spec §4.8), built with the same builders as every other block.
public enum Genesis {
    /// Rounds in the genesis bloom: bloom_start 0, bloom_end 6.
    static let bloomRounds = BloomConstants.l4
    /// The last linspace phase (§4.8).
    static let phaseSpan = 0.1

    /// Builds a genesis block.
    ///
    /// - Parameters:
    ///   - rewardAddress: nil for the real genesis (no transactions, zero Merkle root); an address gives the
    ///     test-only variant with a height-0 coinbase (fees 0, no extra data) to it.
    ///   - timestamp: header timestamp.
    ///   - oscillatorCount: N; the final phases are linspace(0, 0.1, N).
    /// - Returns: the block; the defaults give the consensus genesis whose hash is ``hash``.
    public static func block(
        rewardAddress: Hash256? = nil,
        timestamp: UInt32 = BloomConstants.genesisTimestamp,
        oscillatorCount: Int = BloomConstants.defaultOscillatorCount
    ) -> Block {
        let phases = linspace(count: max(0, oscillatorCount))
        let (r, psi) = OrderParameter.compute(phases)
        let rWire = Float(r)
        let psiWire = Float(psi)
        let certificate = ConsensusCertificate(
            bloomStart: 0,
            bloomEnd: UInt32(bloomRounds - 1),
            oscillatorCount: UInt32(truncatingIfNeeded: phases.count),
            threshold: BloomConstants.zCWire,
            requiredRounds: UInt32(BloomConstants.minCoherenceRounds),
            rValues: Array(repeating: rWire, count: bloomRounds),
            psiValues: Array(repeating: psiWire, count: bloomRounds),
            finalPhases: phases.map { Float($0) }
        )
        let transactions = rewardAddress.map {
            [Transaction.coinbase(height: 0, address: $0, fees: 0, extraData: [])]
        } ?? []
        let header = BlockHeader(
            version: BloomConstants.genesisVersion,
            prevHash: .zero,
            merkleRoot: MerkleTree.root(transactions.map(\.txid)),
            timestamp: timestamp,
            difficulty: BloomConstants.genesisDifficulty,
            nonce: BloomConstants.genesisNonce,
            orderParameter: rWire,
            meanPhase: psiWire,
            oscillatorCount: UInt32(truncatingIfNeeded: phases.count)
        )
        return Block(header: header, certificate: certificate, transactions: transactions)
    }

    /// The hash of the default genesis: the consensus checkpoint (spec §4.8 gives
    /// `1a63c5e0…3788e49`), computed from the builder rather than typed in.
    public static let hash: Hash256 = block().hash

    /// numpy's `linspace(0, 0.1, count)` in f64: phaseᵢ = i × (0.1 / (count − 1)), the last exactly 0.1.
    public static func linspace(count: Int) -> [Double] {
        if count <= 0 { return [] }
        if count == 1 { return [0] }
        let step = phaseSpan / Double(count - 1)
        var phases = (0..<count).map { Double($0) * step + 0.0 }
        phases[count - 1] = phaseSpan
        return phases
    }
}
