import BloomCore

/// Spec §5.1: which failures may be remembered against a block hash.
///
/// The hash commits to the 92 header bytes, so a failure that reads only the header (and its parent's header)
/// holds for every byte string with that hash and may be remembered. Any other failure is forgotten: another
/// byte version with the same hash may be valid.
enum InvalidSetPolicy {
    /// The reason to put in the invalid set for a block that failed with `reason`, or nil to remember nothing.
    static func remembered(_ reason: ReasonCode, header: BlockHeader) -> ReasonCode? {
        switch reason {
        case .headerRBelowZC, .timestampNotAfterParent, .badDifficulty:
            return reason
        // These codes also come from certificate checks (step 3): remember them only when the header itself
        // fails, so that every version of this header is invalid whatever its certificate.
        case .nBelowL4:
            return header.oscillatorCount < UInt32(BloomConstants.l4) ? reason : nil
        case .nAboveMax:
            return header.oscillatorCount > UInt32(BloomConstants.maxOscillatorCount) ? reason : nil
        case .certNaN:
            return header.meanPhase.isFinite ? nil : reason
        default:
            return nil
        }
    }
}
