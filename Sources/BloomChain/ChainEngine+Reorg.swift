import BloomCore

/// Spec §5, fork choice: a side branch that becomes strictly longer than the main chain is made the main chain,
/// with full step-8 validation of every block it brings in.
extension ChainEngine {
    /// Reorganizes to the branch ending in `candidate`, or, when one of its blocks fails step 8, leaves the main
    /// chain exactly as it was and marks that block and its descendants invalid.
    func reorganize(to candidate: Candidate) throws(ChainError) -> BlockVerdict {
        // The stored side blocks between the fork point and the candidate, lowest first.
        var branch: [BlockIndexEntry] = []
        guard var cursor = try store.entry(candidate.entry.parent) else {
            throw ChainError(.corruptStore, "parent of \(candidate.hash.hex) vanished")
        }
        while try store.mainChainHash(atHeight: cursor.height) != cursor.hash {
            branch.append(cursor)
            guard let next = try store.entry(cursor.parent) else {
                throw ChainError(.corruptStore, "side block \(cursor.hash.hex) has no stored parent")
            }
            cursor = next
        }
        branch.reverse()
        let fork = cursor

        var view = UTXOOverlay(state: state)
        var update = ChainUpdate()
        var effects = ChainEffects()

        // Undo the main chain from the tip down to the fork point.
        var disconnectedTransactions: [[Transaction]] = []
        var height = state.tip.height
        while height > fork.height {
            guard let hash = try store.mainChainHash(atHeight: height),
                let undo = try store.undo(hash),
                let bytes = try store.blockBytes(hash)
            else {
                throw ChainError(.corruptStore, "main-chain block at height \(height) lacks its body or undo data")
            }
            try TransactionRules.disconnect(undo, view: &view, store: store)
            disconnectedTransactions.append(Array(try decodeStored(bytes, hash: hash).transactions.dropFirst()))
            effects.disconnected.append(hash)
            update.undoDeletes.append(hash)
            height -= 1
        }

        // Apply the branch in order, fork point first, then the candidate.
        var confirmed = Set<Hash256>()
        for side in branch + [candidate.entry] {
            let block: Block
            let txids: [Hash256]
            if side.hash == candidate.hash {
                block = candidate.block
                txids = candidate.txids
            } else {
                guard let bytes = try store.blockBytes(side.hash) else {
                    throw ChainError(.corruptStore, "side block \(side.hash.hex) has no body")
                }
                block = try decodeStored(bytes, hash: side.hash)
                txids = block.txids
            }
            let outcome = try TransactionRules.connect(
                block,
                txids: txids,
                height: side.height,
                view: &view,
                store: store
            )
            switch outcome {
            case .failed(let reason):
                return try abandonReorganization(failedAt: side.hash, reason: reason, trigger: candidate.hash)
            case .connected(let undo):
                update.undoWrites[side.hash] = undo
                update.statusChanges[side.hash] = .transactionsValid
                confirmed.formUnion(txids)
            }
        }

        var entry = candidate.entry
        entry.status = .transactionsValid
        update.statusChanges[candidate.hash] = nil
        update.addedBlocks = [ChainUpdate.NewBlock(entry: entry, bytes: candidate.bytes)]
        view.fill(&update)
        let connected = branch.map(\.hash) + [candidate.hash]
        update.mainChain = ChainUpdate.MainChainChange(firstHeight: fork.height + 1, hashes: connected)
        let tip = ChainTip(hash: candidate.hash, height: entry.height)
        update.state = ChainState(tip: tip, utxoCount: view.count, totalValue: view.value)
        try commit(update)

        effects.connected = connected
        effects.newTip = tip
        for transactions in disconnectedTransactions.reversed() {
            effects.returnedTransactions += transactions.filter { !confirmed.contains($0.txid) }
        }
        return BlockVerdict(.acceptReorg, .newTip, hash: candidate.hash, effects: effects)
    }

    /// A failed reorganization: nothing of it was committed, so the old main chain stands as it was. The failed
    /// block, its stored descendants and the (unstored) trigger go to the invalid set with the failure's reason
    /// and leave the block tree. This is the §5.1 exception: a stored block passed step 5, so its transaction
    /// list is fixed by its hash.
    private func abandonReorganization(
        failedAt failed: Hash256,
        reason: ReasonCode,
        trigger: Hash256
    ) throws(ChainError) -> BlockVerdict {
        var update = ChainUpdate()
        update.invalidated[trigger] = reason
        if failed != trigger {
            var pending = [failed]
            while let hash = pending.popLast() {
                update.removedBlocks.append(hash)
                update.invalidated[hash] = reason
                pending += try store.children(of: hash)
            }
        }
        try commit(update)
        return BlockVerdict(.reject, reason, hash: trigger)
    }

    /// Decodes a block the store holds; it passed strict decoding before it was stored.
    private func decodeStored(_ bytes: [UInt8], hash: Hash256) throws(ChainError) -> Block {
        do {
            return try Block(decoding: bytes)
        } catch {
            throw ChainError(.corruptStore, "stored block \(hash.hex) no longer decodes: \(error.reason)")
        }
    }
}
