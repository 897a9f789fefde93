extension Transaction {
    /// Exactly one input whose prevTx is zero: the shape only a block's first transaction may have (§4.3).
    public var isCoinbaseShaped: Bool {
        inputs.count == 1 && inputs[0].prevTx.isZero
    }

    /// The context-free structure rules (§4.3, `tx_structure`): at least one input and one output, every amount
    /// at most the supply cap, and the sum of the outputs at most the cap too (this node's addition; the sum is
    /// checked as it grows, so it cannot overflow).
    public var hasValidStructure: Bool {
        if inputs.isEmpty || outputs.isEmpty { return false }
        var sum: UInt64 = 0
        for output in outputs {
            // Each term and the running sum are ≤ maxSupply < 2^62, so the addition cannot overflow.
            if output.amount > BloomConstants.maxSupply { return false }
            sum += output.amount
            if sum > BloomConstants.maxSupply { return false }
        }
        return true
    }

    /// Sum of the output amounts, or nil if it exceeds `UInt64.max`.
    public var outputTotal: UInt64? {
        var sum: UInt64 = 0
        for output in outputs {
            let (next, overflow) = sum.addingReportingOverflow(output.amount)
            if overflow { return nil }
            sum = next
        }
        return sum
    }

    /// The reference's coinbase (§4.3): version 1; one input {prevTx zero, outputIndex = height, signature =
    /// the first 64 bytes of `extraData`, zero-padded}; one output of reward(height) + fees to `address`;
    /// locktime 0.
    ///
    /// - Parameter fees: added to the reward; the sum saturates at `UInt64.max` (a sum that large fails the
    ///   structure rules anyway).
    public static func coinbase(height: UInt32, address: Hash256, fees: UInt64, extraData: [UInt8]) -> Transaction {
        var signature = Array(extraData.prefix(TxInput.signatureSize))
        signature.append(contentsOf: repeatElement(0, count: TxInput.signatureSize - signature.count))
        let (amount, overflow) = blockReward(height: UInt64(height)).addingReportingOverflow(fees)
        return Transaction(
            version: 1,
            inputs: [TxInput(prevTx: .zero, outputIndex: height, signature: signature)],
            outputs: [TxOutput(amount: overflow ? .max : amount, address: address)],
            locktime: 0
        )
    }

    /// The block reward (§4.4): INITIAL_REWARD halved every HALVING_INTERVAL blocks, 0 after 64 halvings.
    public static func blockReward(height: UInt64) -> UInt64 {
        let halvings = height / UInt64(BloomConstants.halvingInterval)
        return halvings >= 64 ? 0 : BloomConstants.initialReward >> halvings
    }
}
