import BloomCore
import Foundation

/// The reward address of blocks sealed here (DESIGN.md: `--reward-address HEX`, else one created once and kept
/// in the data directory).
public enum RewardAddress {
    /// File name inside the data directory.
    public static let fileName = "reward-address"

    /// Errors reading or creating the address.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case notHex(String)
        case unreadable(String)

        public var description: String {
            switch self {
            case .notHex(let text): "reward address is not 64 hex digits: \(text)"
            case .unreadable(let detail): "reward address file: \(detail)"
            }
        }
    }

    /// `configured` when given, else the address stored in `dataDirectory`, created (32 random bytes, written
    /// atomically) on first use.
    public static func resolve(configured: String?, dataDirectory: String) throws(Failure) -> Hash256 {
        if let configured {
            guard let hash = Hash256(hex: configured) else { throw .notHex(configured) }
            return hash
        }
        let path = dataDirectory + "/" + fileName
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let hash = Hash256(hex: trimmed) else { throw .notHex(trimmed) }
            return hash
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        guard let hash = Hash256(bytes: bytes) else { throw .unreadable("cannot make 32 bytes") }
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try (hash.hex + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .unreadable("\(error)")
        }
        return hash
    }
}
