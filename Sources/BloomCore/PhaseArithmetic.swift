/// Float helpers shared by the Kuramoto step and phase mixing, with the reference's exact semantics.
public enum PhaseArithmetic {
    /// Python/numpy float modulo (spec §6.4): the result has the sign of `m`, and a zero result is +0.0.
    ///
    /// `fmod` is exact, so this is exact too. For a tiny negative `x` the result can be exactly `m` (the
    /// addition rounds up); the reference keeps that value and so does this function.
    @inlinable
    public static func floorMod(_ x: Double, _ m: Double) -> Double {
        var t = x.truncatingRemainder(dividingBy: m)
        if t != 0 {
            if (t < 0) != (m < 0) { t += m }
        } else {
            t = 0.0
        }
        return t
    }
}
