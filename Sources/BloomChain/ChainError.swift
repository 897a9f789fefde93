import BloomCore

/// A failure of the chain's storage, not a judgement on a block: the engine stops and commits nothing.
///
/// Block validity is never reported through this type (that is ``BlockVerdict``).
public struct ChainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    public enum Kind: String, Sendable, Hashable {
        /// The storage backend failed (I/O, SQLite error…).
        case storage
        /// The store's height-0 block is not the genesis the engine was given (wrong data directory or network).
        case genesisMismatch = "genesis_mismatch"
        /// The store contradicts itself (a main-chain block without undo data, stored bytes that no longer
        /// decode…).
        case corruptStore = "corrupt_store"
    }

    /// What failed.
    public var kind: Kind
    /// Which block, height or backend error, for the log.
    public var detail: String

    /// Creates an error.
    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// `kind: detail`, for logs.
    public var description: String { "\(kind.rawValue): \(detail)" }
}
