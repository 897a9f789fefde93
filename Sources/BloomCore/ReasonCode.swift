/// Why a block (or a certificate, or a transaction inside a block) was judged as it was: spec §11.
///
/// The raw values are the spec's codes, used verbatim in logs, the bus and the vectors.
public enum ReasonCode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case valid
    case validEmptyBlock = "valid_empty_block"
    case validButExceedsUInt16Frame = "valid_but_exceeds_uint16_frame"
    case validNoReorg = "valid_no_reorg"
    case newTip = "new_tip"
    case alreadyKnown = "already_known"
    case blockTooLarge = "block_too_large"
    case decodeError = "decode_error"
    case trailingBytes = "trailing_bytes"
    case lengthMismatch = "length_mismatch"
    case merkleMismatch = "merkle_mismatch"
    case unknownParent = "unknown_parent"
    case certThresholdNotZC = "cert_threshold_not_zc"
    case certNaN = "cert_nan"
    case certDurationLtL4 = "cert_duration_lt_L4"
    case certRBelowZC = "cert_r_below_zc"
    case nBelowL4 = "n_below_L4"
    case nAboveMax = "n_above_max"
    case certRRecomputeMismatch = "cert_r_recompute_mismatch"
    case headerRBelowZC = "header_r_below_zc"
    case headerCertNMismatch = "header_cert_n_mismatch"
    case headerCertRMismatch = "header_cert_r_mismatch"
    case txStructure = "tx_structure"
    case firstTxNotCoinbase = "first_tx_not_coinbase"
    case extraCoinbase = "extra_coinbase"
    case timestampNotAfterParent = "timestamp_not_after_parent"
    case timestampTooFarFuture = "timestamp_too_far_future"
    case badDifficulty = "bad_difficulty"
    case coinbaseTooLarge = "coinbase_too_large"
    case doubleSpend = "double_spend"
    case missingUTXO = "missing_utxo"
    case valueOutGtIn = "value_out_gt_in"

    public var description: String { rawValue }

    /// Maps a decoding failure of a block's bytes to its §5 step 1 code.
    public init(_ error: DecodeError) {
        switch error.kind {
        case .trailingBytes: self = .trailingBytes
        case .lengthMismatch: self = .lengthMismatch
        case .truncated, .countOutOfRange, .invalidValue: self = .decodeError
        }
    }
}
