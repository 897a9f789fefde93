import BloomCore

/// Spec §5 step 8: a block's transactions against the UTXO set of the branch it extends.
enum TransactionRules {
    enum Outcome {
        case connected(BlockUndo)
        case failed(ReasonCode)
    }

    /// Validates `block` against `view` and, when it passes, applies it to `view`.
    ///
    /// Every input is looked up in the set as it was *before* this block (an output created in the same block
    /// cannot be spent by it), so validation completes before anything is applied and a failure leaves `view`
    /// untouched.
    static func connect<S: ChainStore>(
        _ block: Block,
        txids: [Hash256],
        height: UInt32,
        view: inout UTXOOverlay,
        store: S
    ) throws(ChainError) -> Outcome {
        let transactions = block.transactions
        if let coinbase = transactions.first {
            // Fees are not allowed (they are burned): the coinbase may claim at most the reward.
            guard let claimed = checkedSum(coinbase.outputs.lazy.map(\.amount)),
                claimed <= Transaction.blockReward(height: UInt64(height))
            else { return .failed(.coinbaseTooLarge) }
        }
        var spentInBlock = Set<OutPoint>()
        for transaction in transactions.dropFirst() {
            var inputSum: UInt64 = 0
            for input in transaction.inputs {
                let outpoint = OutPoint(txid: input.prevTx, index: input.outputIndex)
                if spentInBlock.contains(outpoint) { return .failed(.doubleSpend) }
                guard let spent = try view.lookup(outpoint, in: store) else { return .failed(.missingUTXO) }
                spentInBlock.insert(outpoint)
                // Saturating: once the inputs exceed 2^64 − 1 they exceed any output sum (≤ the supply cap).
                let (sum, overflow) = inputSum.addingReportingOverflow(spent.amount)
                inputSum = overflow ? .max : sum
            }
            guard let outputSum = checkedSum(transaction.outputs.lazy.map(\.amount)), outputSum <= inputSum else {
                return .failed(.valueOutGtIn)
            }
        }
        return .connected(try apply(block, txids: txids, height: height, view: &view, store: store))
    }

    /// Applies a block's transactions to `view` without checking them (spec §5, "Applying a block"): for each
    /// transaction in order, a non-coinbase removes the outpoints it spends, then every output is added as
    /// (txid, index) → (amount, address, height, is_coinbase). Used after ``connect`` validated the block, and
    /// for the genesis, which is trusted.
    static func apply<S: ChainStore>(
        _ block: Block,
        txids: [Hash256],
        height: UInt32,
        view: inout UTXOOverlay,
        store: S
    ) throws(ChainError) -> BlockUndo {
        let transactions = block.transactions
        var records: [BlockUndo.Record] = []
        for (position, (transaction, txid)) in zip(transactions, txids).enumerated() {
            let isCoinbase = position == 0
            if !isCoinbase {
                for input in transaction.inputs {
                    let outpoint = OutPoint(txid: input.prevTx, index: input.outputIndex)
                    let previous = try view.lookup(outpoint, in: store)
                    records.append(BlockUndo.Record(outpoint: outpoint, previous: previous))
                    view.set(outpoint, to: nil, previous: previous)
                }
            }
            for (index, output) in transaction.outputs.enumerated() {
                let outpoint = OutPoint(txid: txid, index: UInt32(truncatingIfNeeded: index))
                let previous = try view.lookup(outpoint, in: store)
                records.append(BlockUndo.Record(outpoint: outpoint, previous: previous))
                let created = UTXOEntry(
                    amount: output.amount,
                    address: output.address,
                    height: height,
                    isCoinbase: isCoinbase
                )
                view.set(outpoint, to: created, previous: previous)
            }
        }
        return BlockUndo(records: records)
    }

    /// Reverts a connected block's changes in `view`, newest first.
    static func disconnect<S: ChainStore>(
        _ undo: BlockUndo,
        view: inout UTXOOverlay,
        store: S
    ) throws(ChainError) {
        for record in undo.records.reversed() {
            let current = try view.lookup(record.outpoint, in: store)
            view.set(record.outpoint, to: record.previous, previous: current)
        }
    }

    /// Sum of amounts, or nil on overflow.
    static func checkedSum(_ amounts: some Sequence<UInt64>) -> UInt64? {
        var total: UInt64 = 0
        for amount in amounts {
            let (sum, overflow) = total.addingReportingOverflow(amount)
            if overflow { return nil }
            total = sum
        }
        return total
    }
}
