import BloomChain
import BloomCore
import Foundation
import GRDB

/// The chain store of bloom-sync: the ``ChainStore`` protocol on SQLite (GRDB), in WAL mode with
/// `synchronous=NORMAL`, which survives `kill -9` (DESIGN.md, "Engineering notes").
///
/// Every ``ChainUpdate`` is applied in one transaction together with the new tip, so a crash leaves the store
/// before or after a block, never in between. During initial block download several updates may share one
/// transaction (``beginBatch()`` / ``commitBatch()``): a block is accepted when its transaction commits and
/// must be announced only after that.
///
/// One store type owns the database: schema migrations run in the initialiser, writes have domain names
/// (``commit(_:)``, ``beginBatch()``, ``commitBatch()``) and no SQL leaves this type. The store has one owner
/// (the chain's owner thread, see ``ChainOwner``); it is not `Sendable`. GRDB serialises each access on its own
/// dispatch queue.
public final class SQLiteChainStore: ChainStore {
    /// The database file, or nil for an in-memory database.
    public let path: String?
    let queue: DatabaseQueue
    /// True between ``beginBatch()`` and ``commitBatch()``.
    public internal(set) var isBatching = false
    /// Index entries written lately, as committed (or pending in the open batch): during download each block's
    /// parent is the block stored just before it, and the sync core reads every accepted block's entry back, so
    /// two of a block's three entry reads are answered here instead of by SQLite (11 % of the chain thread).
    /// Emptied when a batch is rolled back; bounded by ``recentEntryLimit``.
    var recentEntries: [Hash256: BlockIndexEntry] = [:]
    /// Entries kept in ``recentEntries`` before it starts over.
    static let recentEntryLimit = 1024

    /// Opens (creating when absent) the store at `path`, migrates its schema, and checks it with
    /// `PRAGMA quick_check`.
    ///
    /// - Throws: ``ChainError`` `.storage` when SQLite fails, `.corruptStore` when the check reports damage.
    public convenience init(path: String) throws(ChainError) {
        var configuration = Self.configuration()
        configuration.journalMode = .wal
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw ChainError(.storage, "cannot open \(path): \(error)")
        }
        try self.init(queue: queue, path: path)
    }

    /// A fresh store in memory (same schema and code paths, no file): for unit tests.
    public static func inMemory() throws(ChainError) -> SQLiteChainStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw ChainError(.storage, "cannot open an in-memory database: \(error)")
        }
        return try SQLiteChainStore(queue: queue, path: nil)
    }

    private init(queue: DatabaseQueue, path: String?) throws(ChainError) {
        self.queue = queue
        self.path = path
        do {
            try StoreSchema.migrator.migrate(queue)
        } catch {
            throw ChainError(.storage, "schema migration failed: \(error)")
        }
        let problems = try quickCheck()
        guard problems.isEmpty else {
            throw ChainError(.corruptStore, "quick_check: " + problems.prefix(5).joined(separator: "; "))
        }
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "bloom-sync.chain"
        // A batch spans several accesses (one per engine call); the store itself ends every transaction it opens.
        configuration.allowsUnsafeTransactions = true
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a commit is durable against process crashes (kill -9); only a power loss may drop the
            // last commits, never corrupt the file.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Each ChainUpdate inside a batch is a savepoint, whose sub-journal keeps the pages it changes. On the
            // default temp store the sub-journal went to a temporary file once it passed 64 KiB, and stayed
            // there for the rest of the transaction: during IBD 20 KiB of pwrite per block, 200 MB for 10,000
            // blocks of 0.7 KB (BENCHMARKS.md, "IBD (issue 14 item 1)"). In memory it is a copy, released with
            // the savepoint.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // A checkpoint every 16 MiB of WAL instead of SQLite's 4 MiB: during IBD the same index pages are in
            // every transaction, and each checkpoint writes them to the database again and syncs it twice (8 % of
            // the chain thread with 4 MiB).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 4096")
        }
        return configuration
    }

    /// Runs `body` on the database, mapping every failure to ``ChainError``.
    func access<T>(_ what: String, _ body: (Database) throws -> T) throws(ChainError) -> T {
        do {
            return try queue.inDatabase(body)
        } catch let error as ChainError {
            throw error
        } catch {
            throw ChainError(.storage, "\(what): \(error)")
        }
    }

    /// `PRAGMA quick_check`: an empty list when the database is sound, else SQLite's findings.
    public func quickCheck() throws(ChainError) -> [String] {
        try access("quick_check") { db in
            try String.fetchAll(db, sql: "PRAGMA quick_check").filter { $0 != "ok" }
        }
    }

    /// `PRAGMA integrity_check` (slower and more thorough than ``quickCheck()``): empty when sound.
    public func integrityCheck() throws(ChainError) -> [String] {
        try access("integrity_check") { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
        }
    }

    /// Closes the database. A batch still open is rolled back first (its blocks were never accepted).
    public func close() throws(ChainError) {
        recentEntries.removeAll()
        if isBatching {
            try access("rollback on close") { db in try db.rollback() }
            isBatching = false
        }
        do {
            try queue.close()
        } catch {
            throw ChainError(.storage, "close: \(error)")
        }
    }

    // MARK: - ChainStore reads

    public func chainState() throws(ChainError) -> ChainState? {
        try access("chain state") { db -> ChainState? in
            let statement = try db.cachedStatement(
                sql: "SELECT tip_hash, tip_height, utxo_count, total_value FROM chain_state WHERE id = 1"
            )
            guard let row = try Row.fetchOne(statement) else { return nil }
            return ChainState(
                tip: ChainTip(hash: try row.hash("tip_hash"), height: try row.unsigned32("tip_height")),
                utxoCount: row.unsigned64("utxo_count"),
                totalValue: row.unsigned64("total_value")
            )
        }
    }

    public func entry(_ hash: Hash256) throws(ChainError) -> BlockIndexEntry? {
        if let recent = recentEntries[hash] { return recent }
        return try access("block entry") { db -> BlockIndexEntry? in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT height, status, total_work, total_transactions, transaction_count, size, header
                    FROM blocks WHERE hash = ?
                    """
            )
            guard let row = try Row.fetchOne(statement, arguments: [hash.blob]) else { return nil }
            return try Self.entry(hash: hash, row: row)
        }
    }

    private static func entry(hash: Hash256, row: Row) throws(ChainError) -> BlockIndexEntry {
        let headerBytes = row["header"] as Data? ?? Data()
        let header: BlockHeader
        do {
            header = try BlockHeader(decoding: headerBytes)
        } catch {
            throw ChainError(.corruptStore, "stored header of \(hash.hex) does not decode: \(error)")
        }
        guard let rawStatus = row["status"] as Int64?, let status = BlockStatus(rawValue: UInt8(clamping: rawStatus))
        else {
            throw ChainError(.corruptStore, "block \(hash.hex) has an unknown status")
        }
        return BlockIndexEntry(
            hash: hash,
            header: header,
            height: try row.unsigned32("height"),
            status: status,
            totalWork: row.unsigned64("total_work"),
            totalTransactions: row.unsigned64("total_transactions"),
            transactionCount: try row.unsigned32("transaction_count"),
            size: try row.unsigned32("size")
        )
    }

    public func children(of hash: Hash256) throws(ChainError) -> [Hash256] {
        try access("children") { db -> [Hash256] in
            let statement = try db.cachedStatement(sql: "SELECT hash FROM blocks WHERE parent = ? ORDER BY rowid")
            return try Row.fetchAll(statement, arguments: [hash.blob]).map { row throws(ChainError) in
                try row.hash("hash")
            }
        }
    }

    public func mainChainHash(atHeight height: UInt32) throws(ChainError) -> Hash256? {
        try access("main chain") { db -> Hash256? in
            let statement = try db.cachedStatement(sql: "SELECT hash FROM main_chain WHERE height = ?")
            guard let data = try Data.fetchOne(statement, arguments: [Int64(height)]) else { return nil }
            return try Hash256.fromBlob(data, "main_chain.hash")
        }
    }

    public func blockBytes(_ hash: Hash256) throws(ChainError) -> [UInt8]? {
        try access("block bytes") { db -> [UInt8]? in
            let statement = try db.cachedStatement(sql: "SELECT bytes FROM blocks WHERE hash = ?")
            return try Data.fetchOne(statement, arguments: [hash.blob]).map { [UInt8]($0) }
        }
    }

    public func utxo(_ outpoint: OutPoint) throws(ChainError) -> UTXOEntry? {
        try access("utxo") { db -> UTXOEntry? in
            let statement = try db.cachedStatement(
                sql: "SELECT amount, address, height, is_coinbase FROM utxos WHERE txid = ? AND output_index = ?"
            )
            guard let row = try Row.fetchOne(statement, arguments: [outpoint.txid.blob, Int64(outpoint.index)])
            else { return nil }
            return try Self.utxoEntry(row)
        }
    }

    private static func utxoEntry(_ row: Row) throws(ChainError) -> UTXOEntry {
        UTXOEntry(
            amount: row.unsigned64("amount"),
            address: try row.hash("address"),
            height: try row.unsigned32("height"),
            isCoinbase: (row["is_coinbase"] as Int64? ?? 0) != 0
        )
    }

    public func undo(_ hash: Hash256) throws(ChainError) -> BlockUndo? {
        try access("undo") { db -> BlockUndo? in
            let statement = try db.cachedStatement(sql: "SELECT records FROM undo WHERE hash = ?")
            guard let data = try Data.fetchOne(statement, arguments: [hash.blob]) else { return nil }
            do {
                return try UndoCodec.decode(data)
            } catch {
                throw ChainError(.corruptStore, "undo data of \(hash.hex) does not decode: \(error)")
            }
        }
    }

    public func invalidReason(_ hash: Hash256) throws(ChainError) -> ReasonCode? {
        try access("invalid set") { db -> ReasonCode? in
            let statement = try db.cachedStatement(sql: "SELECT reason FROM invalid WHERE hash = ?")
            guard let text = try String.fetchOne(statement, arguments: [hash.blob]) else { return nil }
            guard let reason = ReasonCode(rawValue: text) else {
                throw ChainError(.corruptStore, "invalid set holds an unknown reason \(text)")
            }
            return reason
        }
    }

    public func allUnspentOutputs() throws(ChainError) -> [OutPoint: UTXOEntry] {
        try access("utxo scan") { db -> [OutPoint: UTXOEntry] in
            var result: [OutPoint: UTXOEntry] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT txid, output_index, amount, address, height, is_coinbase FROM utxos"
            )
            while let row = try rows.next() {
                let outpoint = OutPoint(txid: try row.hash("txid"), index: try row.unsigned32("output_index"))
                result[outpoint] = try Self.utxoEntry(row)
            }
            return result
        }
    }

    /// Number of blocks in the block tree (all branches).
    public func blockCount() throws(ChainError) -> Int {
        try access("block count") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blocks") ?? 0 }
    }
}
