import GRDB

/// The chain database's schema, as named migrations (applied in order, each once, in the store's initialiser).
///
/// Tables:
/// - `blocks`: every block of the block tree (all branches): hash, parent, height, status, cumulative work and
///   transaction count, the 92 header bytes and, last so that index reads never touch its overflow pages, the
///   block's exact bytes. Ordered by rowid, which is insertion order (children are listed first seen first).
/// - `main_chain`: height → hash of the best chain.
/// - `utxos`: the best chain's unspent outputs.
/// - `undo`: per main-chain block, what connecting it changed in `utxos` (see ``UndoCodec``).
/// - `invalid`: hashes remembered as invalid with their reason (spec §5.1).
/// - `chain_state`: one row, the tip and the UTXO totals, written in the same transaction as the blocks.
/// - `mempool`: the unconfirmed transactions (txid, arrival order, exact bytes), written in the same transaction
///   as the blocks that confirm or conflict with them, and re-validated against the tip when read back.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 block tree, main chain, UTXO set, undo, invalid set, chain state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE blocks (
                        hash BLOB NOT NULL UNIQUE,
                        parent BLOB NOT NULL,
                        height INTEGER NOT NULL,
                        status INTEGER NOT NULL,
                        total_work INTEGER NOT NULL,
                        total_transactions INTEGER NOT NULL,
                        transaction_count INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        header BLOB NOT NULL,
                        bytes BLOB NOT NULL
                    );
                    CREATE INDEX blocks_by_parent ON blocks(parent);
                    CREATE TABLE main_chain (
                        height INTEGER PRIMARY KEY,
                        hash BLOB NOT NULL
                    );
                    CREATE TABLE utxos (
                        txid BLOB NOT NULL,
                        output_index INTEGER NOT NULL,
                        amount INTEGER NOT NULL,
                        address BLOB NOT NULL,
                        height INTEGER NOT NULL,
                        is_coinbase INTEGER NOT NULL,
                        PRIMARY KEY (txid, output_index)
                    ) WITHOUT ROWID;
                    CREATE TABLE undo (
                        hash BLOB PRIMARY KEY,
                        records BLOB NOT NULL
                    );
                    CREATE TABLE invalid (
                        hash BLOB PRIMARY KEY,
                        reason TEXT NOT NULL
                    );
                    CREATE TABLE chain_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        tip_hash BLOB NOT NULL,
                        tip_height INTEGER NOT NULL,
                        utxo_count INTEGER NOT NULL,
                        total_value INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2 mempool") { db in
            try db.execute(
                sql: """
                    CREATE TABLE mempool (
                        txid BLOB PRIMARY KEY,
                        sequence INTEGER NOT NULL,
                        bytes BLOB NOT NULL
                    ) WITHOUT ROWID;
                    """
            )
        }
        return migrator
    }
}
