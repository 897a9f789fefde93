extension ConsensusCertificate {
    /// Tolerance between the recomputed r and the last r value (the reference's 0.01).
    public static let recomputeTolerance = 0.01

    /// The Swift verification (§4.6, §5 step 3).
    ///
    /// - Returns: nil when valid; otherwise the first failing check, in this order: threshold bits and
    ///   required_rounds (`certThresholdNotZC`); NaN/Inf in r, ψ or phases (`certNaN`); duration ≥ 7
    ///   (`certDurationLtL4`); k == duration (`certDurationLtL4` when shorter, `lengthMismatch` when longer);
    ///   every r ≥ threshold (`certRBelowZC`); N ≥ 7 (`nBelowL4`); N ≤ 10 000 (`nAboveMax`); recomputed r within
    ///   0.01 of the last r (`certRRecomputeMismatch`).
    public func verify() -> ReasonCode? {
        if threshold.bitPattern != BloomConstants.zCWire.bitPattern
            || requiredRounds != UInt32(BloomConstants.minCoherenceRounds)
        {
            return .certThresholdNotZC
        }
        if !rValues.allSatisfy(\.isFinite) || !psiValues.allSatisfy(\.isFinite) || !finalPhases.allSatisfy(\.isFinite) {
            return .certNaN
        }
        // Signed 64-bit: bloom_end < bloom_start must give a small or negative duration, never a wrapped u32.
        let duration = Int64(bloomEnd) - Int64(bloomStart) + 1
        if duration < Int64(BloomConstants.l4) { return .certDurationLtL4 }
        let k = Int64(rValues.count)
        if k < duration { return .certDurationLtL4 }
        if k > duration { return .lengthMismatch }
        // Only a certificate built in memory can get these wrong: the wire layout ties both counts.
        if psiValues.count != rValues.count || finalPhases.count != Int(oscillatorCount) { return .lengthMismatch }
        let threshold = Double(self.threshold)
        if rValues.contains(where: { Double($0) < threshold }) { return .certRBelowZC }
        if oscillatorCount < UInt32(BloomConstants.l4) { return .nBelowL4 }
        if oscillatorCount > UInt32(BloomConstants.maxOscillatorCount) { return .nAboveMax }
        // k == duration ≥ 7 here, so there is a last r value.
        guard let last = rValues.last else { return .certDurationLtL4 }
        if abs(recomputedR - Double(last)) > ConsensusCertificate.recomputeTolerance {
            return .certRRecomputeMismatch
        }
        return nil
    }

    /// The order parameter r of the final phases widened to f64 (§6.3, bit-exact with the reference).
    public var recomputedR: Double {
        OrderParameter.compute(finalPhases).r
    }
}
