import BloomChain
import BloomCore
import Foundation
import GRDB

/// The store's writes: one ``ChainUpdate`` per transaction (or per savepoint inside a batch).
extension SQLiteChainStore {
    /// Applies `update` atomically, in the order ``ChainUpdate`` declares its parts.
    ///
    /// Outside a batch it is its own transaction, committed (durable) on return. Inside a batch it is a
    /// savepoint: on failure none of it remains, and it becomes durable with ``commitBatch()``.
    public func commit(_ update: ChainUpdate) throws(ChainError) {
        guard !update.isEmpty else { return }
        try access("commit") { db in
            try Self.inSavepoint(db) { try Self.apply(update, in: db) }
        }
        rememberEntries(of: update)
    }

    /// Runs `body` in a savepoint (outside a transaction, a transaction of its own): all of it or, when it
    /// throws, none of it.
    ///
    /// GRDB's `inSavepoint` prepares its SAVEPOINT and RELEASE statements on every call: 6 % of the chain thread
    /// during IBD, one savepoint per block. These are prepared once per connection.
    static func inSavepoint(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "SAVEPOINT chain_update").execute()
        do {
            try body()
        } catch {
            // Undo what the body did, then end the savepoint (outside a batch: an empty transaction).
            try? db.cachedStatement(sql: "ROLLBACK TO chain_update").execute()
            try? db.cachedStatement(sql: "RELEASE chain_update").execute()
            throw error
        }
        do {
            try db.cachedStatement(sql: "RELEASE chain_update").execute()
        } catch {
            // Outside a batch RELEASE is the commit: when it fails, nothing of the update may stay pending.
            try? db.cachedStatement(sql: "ROLLBACK TO chain_update").execute()
            try? db.cachedStatement(sql: "RELEASE chain_update").execute()
            throw error
        }
    }

    /// Keeps the entries `update` wrote (and drops those it removed) in ``recentEntries``.
    private func rememberEntries(of update: ChainUpdate) {
        for hash in update.removedBlocks { recentEntries[hash] = nil }
        if recentEntries.count + update.addedBlocks.count > Self.recentEntryLimit {
            recentEntries.removeAll(keepingCapacity: true)
        }
        for block in update.addedBlocks { recentEntries[block.entry.hash] = block.entry }
        for (hash, status) in update.statusChanges { recentEntries[hash]?.status = status }
    }

    /// Starts a transaction that the following commits join, until ``commitBatch()``. Used during block
    /// download so that several blocks share one fsync-free WAL commit.
    public func beginBatch() throws(ChainError) {
        guard !isBatching else { return }
        try access("begin batch") { db in try db.beginTransaction(.immediate) }
        isBatching = true
    }

    /// Commits the batch: every block committed since ``beginBatch()`` is now accepted for good.
    ///
    /// - Throws: ``ChainError`` `.storage` when SQLite cannot commit; the batch is then rolled back, and the
    ///   engine's cached state is stale: its owner must reopen the store and the engine.
    public func commitBatch() throws(ChainError) {
        guard isBatching else { return }
        isBatching = false
        do {
            try access("commit batch") { db in try db.commit() }
        } catch {
            // The batch's entries are gone with it.
            recentEntries.removeAll()
            try? access("rollback batch") { db in if db.isInsideTransaction { try db.rollback() } }
            throw error
        }
    }

    private static func apply(_ update: ChainUpdate, in db: Database) throws {
        for hash in update.removedBlocks {
            try db.cachedStatement(sql: "DELETE FROM blocks WHERE hash = ?").execute(arguments: [hash.blob])
            try db.cachedStatement(sql: "DELETE FROM undo WHERE hash = ?").execute(arguments: [hash.blob])
        }
        for block in update.addedBlocks {
            try insertBlock(block, in: db)
        }
        for (hash, status) in update.statusChanges {
            try db.cachedStatement(sql: "UPDATE blocks SET status = ? WHERE hash = ?")
                .execute(arguments: [Int64(status.rawValue), hash.blob])
        }
        for (hash, reason) in update.invalidated {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO invalid (hash, reason) VALUES (?, ?)")
                .execute(arguments: [hash.blob, reason.rawValue])
        }
        for outpoint in update.utxoDeletes {
            try db.cachedStatement(sql: "DELETE FROM utxos WHERE txid = ? AND output_index = ?")
                .execute(arguments: [outpoint.txid.blob, Int64(outpoint.index)])
        }
        for (outpoint, entry) in update.utxoWrites {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO utxos (txid, output_index, amount, address, height, is_coinbase)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    outpoint.txid.blob, Int64(outpoint.index), entry.amount.storedInteger, entry.address.blob,
                    Int64(entry.height), entry.isCoinbase ? 1 : 0,
                ]
            )
        }
        for (hash, undo) in update.undoWrites {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO undo (hash, records) VALUES (?, ?)")
                .execute(arguments: [hash.blob, Data(UndoCodec.encode(undo))])
        }
        for hash in update.undoDeletes {
            try db.cachedStatement(sql: "DELETE FROM undo WHERE hash = ?").execute(arguments: [hash.blob])
        }
        if let change = update.mainChain {
            try db.cachedStatement(sql: "DELETE FROM main_chain WHERE height >= ?")
                .execute(arguments: [Int64(change.firstHeight)])
            for (offset, hash) in change.hashes.enumerated() {
                try db.cachedStatement(sql: "INSERT INTO main_chain (height, hash) VALUES (?, ?)")
                    .execute(arguments: [Int64(change.firstHeight) + Int64(offset), hash.blob])
            }
        }
        if let state = update.state {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO chain_state (id, tip_hash, tip_height, utxo_count, total_value)
                    VALUES (1, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    state.tip.hash.blob, Int64(state.tip.height), state.utxoCount.storedInteger,
                    state.totalValue.storedInteger,
                ]
            )
        }
    }

    /// Inserts a block, or replaces the stored entry and bytes of the same hash (the in-memory store's
    /// semantics: a reorganization re-adds its trigger with its final status).
    private static func insertBlock(_ block: ChainUpdate.NewBlock, in db: Database) throws {
        let entry = block.entry
        try db.cachedStatement(
            sql: """
                INSERT INTO blocks (hash, parent, height, status, total_work, total_transactions, transaction_count,
                                    size, header, bytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (hash) DO UPDATE SET
                    parent = excluded.parent, height = excluded.height, status = excluded.status,
                    total_work = excluded.total_work, total_transactions = excluded.total_transactions,
                    transaction_count = excluded.transaction_count, size = excluded.size,
                    header = excluded.header, bytes = excluded.bytes
                """
        ).execute(
            arguments: [
                entry.hash.blob, entry.parent.blob, Int64(entry.height), Int64(entry.status.rawValue),
                entry.totalWork.storedInteger, entry.totalTransactions.storedInteger, Int64(entry.transactionCount),
                Int64(entry.size), Data(entry.header.encoded()), Data(block.bytes),
            ]
        )
    }
}
