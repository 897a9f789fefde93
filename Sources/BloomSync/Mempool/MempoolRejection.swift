import BloomCore

/// Why a transaction was not taken into the mempool (spec §2.5 item 7).
public enum MempoolRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The payload is not exactly one transaction (strict decode, §4.3).
    case decode(DecodeError)
    /// This txid is already in the mempool.
    case alreadyKnown
    /// No input, no output, or an amount / sum above the supply cap.
    case structure
    /// Coinbase-shaped: only a block may create coins.
    case coinbase
    /// The same outpoint appears twice among the inputs.
    case duplicateInput(OutPoint)
    /// An input is not an unspent output of the best chain.
    case missingInput(OutPoint)
    /// An input is already spent by another mempool transaction.
    case conflict(OutPoint, spentBy: Hash256)
    /// Outputs exceed inputs.
    case valueOutGreaterThanIn
    /// The pool is at its transaction-count or byte bound.
    case full

    /// True when the sender deserves a misbehaviour point: the transaction is invalid in itself, not merely
    /// late, duplicated or unlucky.
    public var isMisbehaviour: Bool {
        switch self {
        case .decode, .structure, .coinbase, .duplicateInput, .valueOutGreaterThanIn: true
        case .alreadyKnown, .missingInput, .conflict, .full: false
        }
    }

    public var description: String {
        switch self {
        case .decode(let error): "decode_error: \(error)"
        case .alreadyKnown: "already_known"
        case .structure: "tx_structure"
        case .coinbase: "coinbase"
        case .duplicateInput(let outpoint): "double_spend: \(outpoint.txid.hex):\(outpoint.index) twice"
        case .missingInput(let outpoint): "missing_utxo: \(outpoint.txid.hex):\(outpoint.index)"
        case .conflict(let outpoint, let other):
            "double_spend: \(outpoint.txid.hex):\(outpoint.index) spent by \(other.hex)"
        case .valueOutGreaterThanIn: "value_out_gt_in"
        case .full: "mempool_full"
        }
    }
}
