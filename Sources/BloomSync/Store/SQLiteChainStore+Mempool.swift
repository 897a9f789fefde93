import BloomChain
import BloomCore
import Foundation
import GRDB

/// The mempool's table: the pool survives a restart of bloom-sync (issue 12), written like the chain.
extension SQLiteChainStore {
    /// Writes the pool's changes. Inside a batch they join it (so a block and the removal of the transactions it
    /// mined commit together); outside, they are their own transaction, durable on return.
    /// - Throws: ``ChainError`` `.storage` when SQLite fails; nothing of `changes` is then written.
    public func saveMempoolChanges(_ changes: MempoolChanges) throws(ChainError) {
        guard !changes.isEmpty else { return }
        try access("save mempool") { db in
            try db.inSavepoint {
                for txid in changes.removed {
                    try db.cachedStatement(sql: "DELETE FROM mempool WHERE txid = ?").execute(arguments: [txid.blob])
                }
                for entry in changes.added {
                    try Self.insertMempoolEntry(entry, in: db)
                }
                return .commit
            }
        }
    }

    /// Replaces the whole table with `entries` (after re-validating the pool read back at start).
    /// - Throws: ``ChainError`` `.storage` when SQLite fails; the table is then unchanged.
    public func replaceMempool(with entries: [Mempool.Entry]) throws(ChainError) {
        try access("replace mempool") { db in
            try db.inSavepoint {
                try db.execute(sql: "DELETE FROM mempool")
                for entry in entries { try Self.insertMempoolEntry(entry, in: db) }
                return .commit
            }
        }
    }

    /// The saved transactions' bytes, in arrival order. Not decoded here: the caller validates them against the
    /// tip like any transaction, so a damaged row is dropped, not trusted.
    public func savedMempool() throws(ChainError) -> [[UInt8]] {
        try access("read mempool") { db in
            try Data.fetchAll(db, sql: "SELECT bytes FROM mempool ORDER BY sequence").map { [UInt8]($0) }
        }
    }

    private static func insertMempoolEntry(_ entry: Mempool.Entry, in db: Database) throws {
        // Sequence numbers are u64 counters from 0; SQLite integers are signed 64-bit.
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO mempool (txid, sequence, bytes) VALUES (?, ?, ?)")
            .execute(
                arguments: [entry.txid.blob, Int64(clamping: entry.sequence), Data(entry.transaction.serialized())]
            )
    }
}
