import BloomChain
import BloomCore
import BloomServiceKit

/// The CLI's questions to bloom-sync (`svc.query.bloom-sync`), answered from the core on its owner's queue.
///
/// | cmd | args | result |
/// | --- | --- | --- |
/// | `chain` | | `{height, tip, syncing, target, blocks_per_s, eta_s, peers, mempool, orphans, total_work, …}` |
/// | `block` | `{"id": "<hash>" or "<height>"}` (or `["…"]`) | the block's index fields and hex bytes |
/// | `mempool` | | `{count, bytes, txids}` |
/// | `integrity` | | `{ok, problems}`: SQLite's `PRAGMA integrity_check` of the chain store (slow on a big store) |
/// | `tx submit` / `tx.submit` | `{"hex": "…"}` (or `["…"]`) | `{txid, accepted}`; relayed when accepted |
public enum SyncQueries {
    /// An answer, and the actions it caused (a submitted transaction is relayed).
    public struct Answer: Sendable {
        /// The reply for the CLI.
        public var result: Result<JSONValue, QueryFailure>
        /// What to publish because of the question (a relayed transaction).
        public var actions: [SyncAction]
    }

    /// Answers `cmd` with `args`.
    public static func answer(_ cmd: String, args: JSONValue, core: SyncCore) throws(ChainError) -> Answer {
        switch cmd {
        case "chain":
            return Answer(result: .success(try chain(core)), actions: [])
        case "block":
            return Answer(result: try block(argument(args, key: "id"), core: core), actions: [])
        case "mempool":
            return Answer(result: .success(mempool(core)), actions: [])
        case "integrity":
            let problems = try core.engine.store.integrityCheck()
            let result = JSONValue.object([
                "ok": .bool(problems.isEmpty), "problems": .array(problems.map { .string($0) }),
            ])
            return Answer(result: .success(result), actions: [])
        case "tx submit", "tx.submit", "tx":
            return try submit(argument(args, key: "hex"), core: core)
        default:
            return Answer(result: .failure(QueryFailure("bloom-sync does not answer '\(cmd)'")), actions: [])
        }
    }

    /// The first positional argument, or the named one.
    private static func argument(_ args: JSONValue, key: String) -> String? {
        if let value = args[key]?.stringValue { return value }
        if let first = args.arrayValue?.first?.stringValue { return first }
        return args.stringValue
    }

    private static func chain(_ core: SyncCore) throws(ChainError) -> JSONValue {
        let info = try core.engine.chainInfo()
        let progress = core.progress
        return .object([
            "height": .number(Double(info.height)),
            "tip": .string(info.tipHash.hex),
            "syncing": .bool(progress.isSyncing),
            "target": .number(Double(progress.target)),
            "blocks_per_s": .number(progress.blocksPerSecond),
            "eta_s": progress.etaSeconds.map { .number($0) } ?? .null,
            "peers": .number(Double(core.knownPeers.count)),
            "mempool": .number(Double(core.mempool.count)),
            "orphans": .number(Double(core.engine.orphanCount)),
            "total_work": .number(Double(info.totalWork)),
            "total_transactions": .number(Double(info.totalTransactions)),
            "utxo_count": .number(Double(info.utxoCount)),
            "total_value": .number(Double(info.totalValue)),
        ])
    }

    private static func block(_ id: String?, core: SyncCore) throws(ChainError) -> Result<JSONValue, QueryFailure> {
        guard let id else { return .failure(QueryFailure("block needs a hash or a height")) }
        let hash: Hash256?
        if let height = UInt32(id) {
            hash = try core.engine.hash(atHeight: height)
        } else if let parsed = Hash256(hex: id) {
            hash = parsed
        } else {
            return .failure(QueryFailure("not a block hash or height: \(id)"))
        }
        guard let hash, let entry = try core.engine.entry(hash), let bytes = try core.engine.blockBytes(hash) else {
            return .failure(QueryFailure("unknown block \(id)"))
        }
        let onMain = try core.engine.hash(atHeight: entry.height) == hash
        return .success(
            .object([
                "hash": .string(hash.hex),
                "height": .number(Double(entry.height)),
                "main_chain": .bool(onMain),
                "prev_hash": .string(entry.parent.hex),
                "timestamp": .number(Double(entry.header.timestamp)),
                "transactions": .number(Double(entry.transactionCount)),
                "size": .number(Double(entry.size)),
                "hex": .string(bytes.hexString),
            ])
        )
    }

    private static func mempool(_ core: SyncCore) -> JSONValue {
        let entries = core.mempool.entriesInArrivalOrder
        return .object([
            "count": .number(Double(entries.count)),
            "bytes": .number(Double(core.mempool.totalBytes)),
            "txids": .array(entries.map { .string($0.txid.hex) }),
        ])
    }

    private static func submit(_ hex: String?, core: SyncCore) throws(ChainError) -> Answer {
        guard let hex, let payload = [UInt8](hex: hex) else {
            return Answer(result: .failure(QueryFailure("tx submit needs the transaction as hex")), actions: [])
        }
        let (rejection, actions) = try core.submitTransaction(payload)
        if let rejection {
            return Answer(result: .failure(QueryFailure("transaction refused: \(rejection)")), actions: [])
        }
        let txid = (try? Transaction(decoding: payload))?.txid.hex ?? ""
        return Answer(result: .success(.object(["txid": .string(txid), "accepted": .bool(true)])), actions: actions)
    }
}
