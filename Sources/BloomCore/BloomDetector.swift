/// Which rounds count as coherent when looking for a bloom.
public enum BloomThresholdRule: Sendable, Equatable {
    /// The reference's rule: `r >= Z_C` in f64 (spec §6.4). The Kuramoto vectors replay this rule.
    case reference
    /// The Swift miner's rule (spec §6.4, "Swift miner caveat"): `Double(Float(r)) >= Z_C`. An r in
    /// [Z_C, ≈0.8660254180) rounds down to f32 `d7b35d3f`, which is below the f64 Z_C, so a header carrying it
    /// would be rejected; such a round counts as below the threshold.
    case wireSafe

    /// Whether a round with order parameter `r` is coherent under this rule.
    @inlinable
    public func isCoherent(_ r: Double) -> Bool {
        switch self {
        case .reference: return r >= BloomConstants.zC
        case .wireSafe: return Double(Float(r)) >= BloomConstants.zC
        }
    }
}

/// The rounds of a detected bloom: L4 = 7 consecutive coherent rounds (spec §6.4).
public struct BloomWindow: Sendable, Equatable {
    /// The round index where the bloom began.
    public var bloomStart: Int
    /// The sealing round: `bloomStart + 6`.
    public var bloomEnd: Int
    /// r of rounds `bloomStart…bloomEnd`, in order (7 values).
    public var rValues: [Double]
    /// ψ of the same rounds.
    public var psiValues: [Double]
}

/// Watches (round, r, ψ) one round at a time and reports a bloom after L4 consecutive coherent rounds, exactly as
/// the reference's `mine_block` loop: the first coherent round sets `bloom_start`; a round with
/// `round − bloom_start ≥ L4 − 1` seals; any incoherent round clears `bloom_start`.
public struct BloomDetector: Sendable {
    /// The rule deciding which rounds are coherent.
    public let rule: BloomThresholdRule
    /// The round where the current run of coherent rounds began, if one is under way.
    public private(set) var bloomStart: Int?
    private var rValues: [Double]
    private var psiValues: [Double]

    /// A detector with no coherent run under way.
    public init(rule: BloomThresholdRule) {
        self.rule = rule
        self.bloomStart = nil
        self.rValues = []
        self.psiValues = []
        rValues.reserveCapacity(BloomConstants.l4)
        psiValues.reserveCapacity(BloomConstants.l4)
    }

    /// Records one round; returns the bloom when this round seals one, after which the detector starts afresh.
    /// - Parameters:
    ///   - round: the round index; callers feed consecutive rounds.
    ///   - r: the round's order parameter.
    ///   - psi: the round's mean phase.
    public mutating func observe(round: Int, r: Double, psi: Double) -> BloomWindow? {
        guard rule.isCoherent(r) else {
            reset()
            return nil
        }
        guard let start = bloomStart else {
            bloomStart = round
            rValues.append(r)
            psiValues.append(psi)
            return nil
        }
        rValues.append(r)
        psiValues.append(psi)
        guard round - start >= BloomConstants.l4 - 1 else { return nil }
        let window = BloomWindow(bloomStart: start, bloomEnd: round, rValues: rValues, psiValues: psiValues)
        reset()
        return window
    }

    /// Forgets any coherent run under way (e.g. when a new attempt starts).
    public mutating func reset() {
        bloomStart = nil
        rValues.removeAll(keepingCapacity: true)
        psiValues.removeAll(keepingCapacity: true)
    }
}
