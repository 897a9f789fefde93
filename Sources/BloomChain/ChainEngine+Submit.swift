import BloomCore

/// Spec §5, "Swift evaluation order": the first failing check gives the reason code.
extension ChainEngine {
    /// Evaluates one BLOCK payload and applies it when valid.
    ///
    /// Orphans waiting for this block are evaluated next (their verdicts are in `adoptedOrphans`).
    ///
    /// - Parameters:
    ///   - bytes: the block exactly as received.
    ///   - now: the local clock (Unix seconds), for the future-timestamp rule of step 7.
    /// - Returns: the verdict and reason of spec §11, with the main-chain changes it caused.
    /// - Throws: only ``ChainError`` for a storage failure. The failing block's update was not committed (the
    ///   block may be submitted again); orphans taken out of the pool for adoption at that moment are dropped,
    ///   as the pool is best effort.
    public func submit(_ bytes: [UInt8], now: UInt32) throws(ChainError) -> BlockVerdict {
        var verdict = try evaluate(bytes, now: now)
        if verdict.verdict.storedNewBlock, let hash = verdict.hash {
            // Depth is bounded by the orphan pool's size: each level takes its orphans out of the pool.
            for orphan in orphans.takeChildren(of: hash) {
                verdict.adoptedOrphans.append(try submit(orphan, now: now))
            }
        }
        return verdict
    }

    private func evaluate(_ bytes: [UInt8], now: UInt32) throws(ChainError) -> BlockVerdict {
        // Step 0, before any decoding work.
        guard bytes.count <= BloomConstants.maxBlockSize else {
            return BlockVerdict(.reject, .blockTooLarge, hash: nil)
        }
        // Step 1.
        let block: Block
        do {
            block = try Block(decoding: bytes)
        } catch {
            return BlockVerdict(.reject, error.reason, hash: nil)
        }
        let hash = block.hash
        // Step 2.
        if try store.entry(hash) != nil {
            return BlockVerdict(.ignore, .alreadyKnown, hash: hash)
        }
        if let remembered = try store.invalidReason(hash) {
            return BlockVerdict(.reject, remembered, hash: hash)
        }
        // Steps 3–5.
        let txids = block.txids
        if let reason = block.checkStructure(txids: txids) {
            return try reject(hash, reason, header: block.header)
        }
        // Step 6.
        guard let parent = try store.entry(block.header.prevHash) else {
            orphans.add(hash: hash, parent: block.header.prevHash, bytes: bytes)
            return BlockVerdict(.rejectOrOrphan, .unknownParent, hash: hash, missingParent: block.header.prevHash)
        }
        // Step 7.
        if let reason = checkAgainstParent(block.header, parent: parent.header, now: now) {
            return try reject(hash, reason, header: block.header)
        }

        let entry = BlockIndexEntry(
            hash: hash,
            header: block.header,
            // A height of 2^32 − 1 would need four billion valid blocks before it.
            height: parent.height + 1,
            status: .headerValid,
            totalWork: parent.totalWork + UInt64(block.header.difficulty),
            totalTransactions: parent.totalTransactions + UInt64(block.transactions.count),
            transactionCount: UInt32(truncatingIfNeeded: block.transactions.count),
            size: UInt32(truncatingIfNeeded: bytes.count)
        )
        let candidate = Candidate(block: block, txids: txids, bytes: bytes, entry: entry)
        if parent.hash == state.tip.hash {
            return try extendTip(with: candidate)
        }
        if entry.height <= state.tip.height {
            // Fork choice: not longer than the best chain (a tie keeps the first seen). Step 8 waits until the
            // branch becomes the main chain, if ever.
            var update = ChainUpdate()
            update.addedBlocks = [ChainUpdate.NewBlock(entry: entry, bytes: bytes)]
            try commit(update)
            return BlockVerdict(.acceptSideBranch, .validNoReorg, hash: hash)
        }
        return try reorganize(to: candidate)
    }

    /// Step 7: the checks that need the parent's header.
    private func checkAgainstParent(_ header: BlockHeader, parent: BlockHeader, now: UInt32) -> ReasonCode? {
        if header.timestamp <= parent.timestamp { return .timestampNotAfterParent }
        if UInt64(header.timestamp) > UInt64(now) + UInt64(configuration.maxFutureDrift) {
            return .timestampTooFarFuture
        }
        // Protocol version 1 has no retarget (spec §4.5): the bits never change.
        if header.difficulty != parent.difficulty { return .badDifficulty }
        return nil
    }

    /// A rejection, remembered against the hash only when §5.1 allows it.
    private func reject(_ hash: Hash256, _ reason: ReasonCode, header: BlockHeader) throws(ChainError) -> BlockVerdict {
        if let remembered = InvalidSetPolicy.remembered(reason, header: header) {
            var update = ChainUpdate()
            update.invalidated[hash] = remembered
            try commit(update)
        }
        return BlockVerdict(.reject, reason, hash: hash)
    }

    /// Step 8 against the main chain's UTXO set, then connect.
    private func extendTip(with candidate: Candidate) throws(ChainError) -> BlockVerdict {
        let block = candidate.block
        var view = UTXOOverlay(state: state)
        let outcome = try TransactionRules.connect(
            block,
            txids: candidate.txids,
            height: candidate.entry.height,
            view: &view,
            store: store
        )
        let undo: BlockUndo
        switch outcome {
        case .failed(let reason):
            // A step-8 failure of a block extending the tip is never remembered (§5.1).
            return BlockVerdict(.reject, reason, hash: candidate.hash)
        case .connected(let blockUndo):
            undo = blockUndo
        }
        var entry = candidate.entry
        entry.status = .transactionsValid
        let tip = ChainTip(hash: candidate.hash, height: entry.height)
        var update = ChainUpdate()
        update.addedBlocks = [ChainUpdate.NewBlock(entry: entry, bytes: candidate.bytes)]
        view.fill(&update)
        update.undoWrites[candidate.hash] = undo
        update.mainChain = ChainUpdate.MainChainChange(firstHeight: entry.height, hashes: [candidate.hash])
        update.state = ChainState(tip: tip, utxoCount: view.count, totalValue: view.value)
        try commit(update)

        var effects = ChainEffects()
        effects.connected = [candidate.hash]
        effects.newTip = tip
        // §5 reason precedence for `accept`.
        let reason: ReasonCode =
            if candidate.bytes.count > Int(UInt16.max) {
                .validButExceedsUInt16Frame
            } else if block.transactions.isEmpty {
                .validEmptyBlock
            } else {
                .valid
            }
        return BlockVerdict(.accept, reason, hash: candidate.hash, effects: effects)
    }
}

/// A block that passed steps 0–7, with its prospective index entry.
struct Candidate {
    var block: Block
    var txids: [Hash256]
    var bytes: [UInt8]
    var entry: BlockIndexEntry
    var hash: Hash256 { entry.hash }
}
