import BloomCore

/// When the local ensemble's phases are worth telling the peers about (spec §7.4, the seed's three strategies).
public enum SharingStrategy: String, Sendable, CaseIterable {
    /// Share at every opportunity.
    case eager
    /// Share when r rose by more than 0.05 since the last share.
    case threshold
    /// Share near a bloom: r > Z_C − 0.1, or r > Z_C − 0.2 with a rise of more than 0.02. The reference default.
    case bloom

    /// The threshold strategy's rise (`share_threshold`).
    public static let thresholdRise = 0.05
    /// The bloom strategy's "close to Z_C" margin.
    public static let bloomNearMargin = 0.1
    /// The bloom strategy's "approaching Z_C" margin.
    public static let bloomApproachMargin = 0.2
    /// The rise the bloom strategy needs while approaching.
    public static let bloomApproachRise = 0.02

    /// `maybe_share_phases`'s step 2: whether r (now) justifies sharing, given r at the last share.
    /// - Parameters:
    ///   - r: the local order parameter now.
    ///   - lastSharedR: r at the last share (0 before the first, as the reference starts).
    public func wantsToShare(r: Double, lastSharedR: Double) -> Bool {
        switch self {
        case .eager:
            return true
        case .threshold:
            return r - lastSharedR > Self.thresholdRise
        case .bloom:
            if r > BloomConstants.zC - Self.bloomNearMargin { return true }
            return r > BloomConstants.zC - Self.bloomApproachMargin && r - lastSharedR > Self.bloomApproachRise
        }
    }
}
