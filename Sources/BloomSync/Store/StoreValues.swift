import BloomChain
import BloomCore
import Foundation
import GRDB

/// Conversions between chain values and SQLite column values. SQLite integers are signed 64-bit: unsigned
/// 64-bit quantities (amounts, work, totals) are stored by bit pattern, so every value round-trips exactly.
extension Hash256 {
    var blob: Data { withUnsafeBytes { Data($0) } }

    /// A hash read back from a blob column; a blob of any other length means a damaged database.
    static func fromBlob(_ data: Data?, _ column: String) throws(ChainError) -> Hash256 {
        guard let data, let hash = Hash256(bytes: data) else {
            throw ChainError(.corruptStore, "column \(column) does not hold a 32-byte hash")
        }
        return hash
    }
}

extension UInt64 {
    var storedInteger: Int64 { Int64(bitPattern: self) }
    init(storedInteger: Int64) { self.init(bitPattern: storedInteger) }
}

extension Row {
    /// A 32-byte hash from `column`.
    func hash(_ column: String) throws(ChainError) -> Hash256 {
        try Hash256.fromBlob(self[column] as Data?, column)
    }

    /// A u64 stored by bit pattern in `column`.
    func unsigned64(_ column: String) -> UInt64 {
        UInt64(storedInteger: self[column] as Int64? ?? 0)
    }

    /// A u32 in `column`, or a corrupt-store error when it does not fit.
    func unsigned32(_ column: String) throws(ChainError) -> UInt32 {
        guard let value = self[column] as Int64?, let narrow = UInt32(exactly: value) else {
            throw ChainError(.corruptStore, "column \(column) does not hold a u32")
        }
        return narrow
    }
}
