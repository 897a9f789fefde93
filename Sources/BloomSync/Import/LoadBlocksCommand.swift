import BloomChain
import BloomCore
import Foundation

/// `bloom-sync --load-blocks FILE [--data-dir DIR] [--batch N]`: imports a ``BlockFile`` into the data
/// directory's chain store and prints each committed block hash on its own line (64 hex digits), written to
/// standard output unbuffered as soon as its transaction committed.
public enum LoadBlocksCommand {
    /// The store file inside a data directory (DESIGN.md, "Data directory").
    public static let storeFileName = "chain.sqlite"

    /// Runs the command and returns the process exit code (0 done, 1 failure, 2 usage error).
    public static func run(arguments: [String], environment: [String: String]) -> Int32 {
        var file: String?
        var dataDirectory = environment["BLOOM_DATA_DIR"] ?? (NSHomeDirectory() + "/.bloomcoin")
        var batch = 16
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            let value: String? = index + 1 < arguments.count ? arguments[index + 1] : nil
            switch flag {
            case "--load-blocks": file = value
            case "--data-dir": if let value { dataDirectory = value }
            case "--batch": batch = value.flatMap { Int($0) } ?? 0
            default:
                // The common flags of every service are accepted and ignored here (DESIGN.md, operator interface).
                if flag.hasPrefix("--"), value?.hasPrefix("--") == false { index += 1 }
                index += 1
                continue
            }
            guard value != nil else { return usage("\(flag) needs a value") }
            index += 2
        }
        guard let file else { return usage("--load-blocks FILE is required") }
        guard batch >= 1 else { return usage("--batch must be a positive integer") }

        do {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let blocks = try BlockFile.decode(bytes)
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            let store = try SQLiteChainStore(path: dataDirectory + "/" + storeFileName)
            let engine = try ChainEngine(store: store, genesis: Genesis.block())
            let summary = try BlockImporter(batchSize: batch).run(
                blocks,
                into: engine,
                now: { UInt32(clamping: Int(Date().timeIntervalSince1970)) },
                committed: { hashes in
                    writeAll(hashes.map { $0.hex + "\n" }.joined())
                }
            )
            try store.close()
            FileHandle.standardError.write(
                Data(
                    ("loaded: accepted \(summary.accepted), known \(summary.alreadyKnown), "
                        + "rejected \(summary.rejected), tip \(summary.tip.height) \(summary.tip.hash.hex)\n").utf8
                )
            )
            return 0
        } catch {
            FileHandle.standardError.write(Data("bloom-sync: \(error)\n".utf8))
            return 1
        }
    }

    private static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(
            Data("bloom-sync: \(message)\nusage: bloom-sync --load-blocks FILE [--data-dir DIR] [--batch N]\n".utf8)
        )
        return 2
    }

    /// Writes to file descriptor 1 with no user-space buffer, so what was printed survives a SIGKILL.
    private static func writeAll(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(1, base + offset, buffer.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }
}
