/// Float helpers shared by the Kuramoto step and phase mixing, with the reference's exact semantics.
public enum PhaseArithmetic {
    /// Python/numpy float modulo (spec §6.4): the result has the sign of `m`, and a zero result is +0.0.
    ///
    /// `fmod` is exact, so this is exact too. For a tiny negative `x` the result can be exactly `m` (the
    /// addition rounds up); the reference keeps that value and so does this function.
    ///
    /// For m > 0 and −m < x < 2m (every Euler step: a phase in [0, 2π] plus a small increment) the result is
    /// computed without calling `fmod`, with the same bits: for 0 < x < m the remainder is x; for m ≤ x < 2m it is
    /// x − m, which is exact (Sterbenz: m ≤ x ≤ 2m) and is what `fmod` returns; for −m < x < 0 it is x, then the
    /// sign fix-up adds m, the same single rounding. Zeros, NaN and every other x take the general path.
    @inlinable
    public static func floorMod(_ x: Double, _ m: Double) -> Double {
        if m > 0 {
            if x > 0 {
                if x < m { return x }
                if x < m + m { return x - m }
            } else if x < 0 && x > -m {
                return x + m
            }
        }
        var t = x.truncatingRemainder(dividingBy: m)
        if t != 0 {
            if (t < 0) != (m < 0) { t += m }
        } else {
            t = 0.0
        }
        return t
    }

    /// `floorMod(x, 2π)` for |x| < 2π, e.g. an `atan2` result (|x| ≤ π), bit for bit, without the `fmod` call.
    ///
    /// `fmod` is exact, and for |x| < |m| the exact remainder is x itself, so `floorMod` then reduces to its sign
    /// fix-up: a negative x gets 2π added, a zero becomes +0.0, anything else (NaN included) is returned as is.
    /// `PhaseArithmeticTests` compares the two over the whole range and its edges.
    @inlinable
    public static func floorModOfAngle(_ x: Double) -> Double {
        if x < 0 { return x + BloomConstants.twoPi }
        if x == 0 { return 0.0 }
        return x
    }
}
