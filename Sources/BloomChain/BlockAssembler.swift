import BloomCore

/// Puts a block together from a seal (certificate) and transactions: the Merkle root, and the header's r, ψ and
/// N taken from the certificate's last round, as §5 step 4 requires.
public enum BlockAssembler {
    /// Builds a block; it passes §5 steps 3–5 when the certificate verifies and the transactions are
    /// well formed (a coinbase first when there are any).
    ///
    /// - Parameters:
    ///   - prevHash: the parent's hash.
    ///   - timestamp: must be after the parent's and not too far ahead of the clock.
    ///   - difficulty: must equal the parent's bits (no retarget in v1).
    ///   - nonce: the Lucas nonce of the seal.
    ///   - certificate: the consensus certificate.
    ///   - transactions: in block order.
    public static func assemble(
        prevHash: Hash256,
        timestamp: UInt32,
        difficulty: UInt32,
        nonce: UInt32,
        certificate: ConsensusCertificate,
        transactions: [Transaction]
    ) -> Block {
        let header = BlockHeader(
            version: 1,
            prevHash: prevHash,
            merkleRoot: MerkleTree.root(transactions.map(\.txid)),
            timestamp: timestamp,
            difficulty: difficulty,
            nonce: nonce,
            orderParameter: certificate.rValues.last ?? 0,
            meanPhase: certificate.psiValues.last ?? 0,
            oscillatorCount: certificate.oscillatorCount
        )
        return Block(header: header, certificate: certificate, transactions: transactions)
    }
}

/// Valid blocks without mining, for fixture chains in tests and benchmarks (DESIGN.md: "fixture chains … need
/// not be mined"). The certificate's final phases are spread evenly over a small arc, as the genesis's are, so
/// r ≈ 1 and the certificate verifies; nothing here is a consensus shortcut, every block still goes through
/// the full rules.
public enum FixtureBlocks {
    /// A certificate with final phases linspace(0, `spread`, N) and seven rounds at their order parameter.
    ///
    /// - Parameters:
    ///   - oscillatorCount: N (7…10 000 for a valid certificate).
    ///   - spread: the arc the phases cover, in radians; small values give r close to 1.
    public static func certificate(oscillatorCount: Int = BloomConstants.defaultOscillatorCount, spread: Double = 0.1)
        -> ConsensusCertificate
    {
        let count = max(1, oscillatorCount)
        let step = count > 1 ? spread / Double(count - 1) : 0
        let phases = (0..<count).map { Double($0) * step }
        let (r, psi) = OrderParameter.compute(phases)
        let rounds = BloomConstants.minCoherenceRounds
        return ConsensusCertificate(
            bloomStart: 0,
            bloomEnd: UInt32(rounds - 1),
            oscillatorCount: UInt32(count),
            threshold: BloomConstants.zCWire,
            requiredRounds: UInt32(rounds),
            rValues: Array(repeating: Float(r), count: rounds),
            psiValues: Array(repeating: Float(psi), count: rounds),
            finalPhases: phases.map { Float($0) }
        )
    }

    /// A child of `parent` at `height`: a coinbase paying the full reward to `rewardAddress` (none when nil),
    /// then `transfers`; timestamp parent + `timeStep`, same difficulty, the default certificate.
    ///
    /// `nonce` tells apart siblings built on the same parent with the same transactions.
    public static func child(
        of parent: BlockHeader,
        height: UInt32,
        rewardAddress: Hash256?,
        transfers: [Transaction] = [],
        timeStep: UInt32 = 60,
        nonce: UInt32 = 0,
        certificate: ConsensusCertificate = FixtureBlocks.certificate()
    ) -> Block {
        var transactions: [Transaction] = []
        if let rewardAddress {
            transactions.append(
                Transaction.coinbase(
                    height: height,
                    address: rewardAddress,
                    fees: 0,
                    extraData: []
                )
            )
        }
        transactions += transfers
        return BlockAssembler.assemble(
            prevHash: parent.hash,
            timestamp: parent.timestamp + timeStep,
            difficulty: parent.difficulty,
            nonce: nonce,
            certificate: certificate,
            transactions: transactions
        )
    }

    /// A transfer spending `outpoints` (zero signatures: v1 never verifies them) to `outputs`.
    public static func transfer(spending outpoints: [OutPoint], to outputs: [TxOutput], locktime: UInt32 = 0)
        -> Transaction
    {
        Transaction(
            version: 1,
            inputs: outpoints.map { TxInput(prevTx: $0.txid, outputIndex: $0.index) },
            outputs: outputs,
            locktime: locktime
        )
    }
}
