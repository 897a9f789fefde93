/// Sine, cosine and arctangent as straight-line polynomial code, for the phase mix (spec §7.5).
///
/// Why not libm: `incorporate_peer_phases` calls `cos`, `sin` and `atan2` for every phase, and those calls were
/// 85 % of its instructions. Its results need not match the reference bit for bit (spec §7.5: compare angles modulo
/// 2π within 1e-12), so it may use these kernels, which the compiler inlines. Their error is a few units in the last
/// place (`PhaseKernelsTests` compares them with libm); 1e-12 is about 1,100 units in the last place of a phase
/// near 2π.
///
/// The polynomials and the split of π/2 are fdlibm's (`k_sin.c`, `k_cos.c`, `s_atan.c`, `e_rem_pio2.c`), which
/// glibc's own double-precision functions descend from.
enum PhaseKernels {
    /// `sinCos` is only used for |x| ≤ this bound: the quadrant count then stays small enough for the two-part
    /// reduction below to be exact to well under an ulp. Callers take libm beyond it.
    static let sinCosBound = 64.0

    /// (sin x, cos x) for |x| ≤ `sinCosBound` (and finite x).
    @inline(__always)
    static func sinCos(_ x: Double) -> (sin: Double, cos: Double) {
        // k = x · 2/π rounded to nearest: adding and subtracting 1.5 · 2⁵² rounds without a libm call (Swift never
        // reassociates floating-point arithmetic, so the two operations stay).
        let shifter = 6_755_399_441_055_744.0  // 0x1.8p52
        let k = (x * invPio2 + shifter) - shifter
        let quadrant = Int(k) & 3
        // x − k·π/2 in two parts: pio2High has 33 significant bits, so k · pio2High is exact for |k| < 2²⁰.
        let y = (x - k * pio2High) - k * pio2Low
        let z = y * y
        let sinY = y + y * z * (s1 + z * (s2 + z * (s3 + z * (s4 + z * (s5 + z * s6)))))
        let cosY = (1 - 0.5 * z) + z * z * (c1 + z * (c2 + z * (c3 + z * (c4 + z * (c5 + z * c6)))))
        let swapped = quadrant & 1 != 0
        let sinValue = swapped ? cosY : sinY
        let cosValue = swapped ? sinY : cosY
        // Quadrants 2, 3 negate the sine; 1, 2 the cosine.
        return (
            quadrant & 2 != 0 ? -sinValue : sinValue,
            (quadrant + 1) & 2 != 0 ? -cosValue : cosValue
        )
    }

    /// atan2(y, x) for |y|, |x| below 2¹⁰⁰⁰ (16 times them must stay finite), not both zero (callers take libm
    /// otherwise); in [−π, π].
    @inline(__always)
    static func atan2(_ y: Double, _ x: Double) -> Double {
        let ax = abs(x)
        let ay = abs(y)
        let steep = ay > ax
        // atan(small / big) in [0, π/4]; atan2 is that, or π/2 minus it above the diagonal.
        var angle = atanOfRatio(steep ? ax : ay, steep ? ay : ax)
        if steep { angle = (halfPiHigh - angle) + halfPiLow }
        if x.sign == .minus { angle = (piHigh - angle) + piLow }
        return y.sign == .minus ? -angle : angle
    }

    /// atan(small / big) for 0 ≤ small ≤ big, big > 0: fdlibm's `atan` on t = small / big (below 7/16 the
    /// polynomial directly, then about atan(½) and atan(1), each value split in a high and a low part). The
    /// reduced argument is formed from `small` and `big` with one division instead of dividing twice.
    @inline(__always)
    static func atanOfRatio(_ small: Double, _ big: Double) -> Double {
        let u: Double
        let high: Double
        let low: Double
        if 16 * small < 7 * big {
            u = small / big
            high = 0
            low = 0
        } else if 16 * small < 11 * big {
            u = (2 * small - big) / (2 * big + small)  // (2t − 1) / (2 + t)
            high = atanHalfHigh
            low = atanHalfLow
        } else {
            u = (small - big) / (small + big)  // (t − 1) / (t + 1)
            high = atanOneHigh
            low = atanOneLow
        }
        let z = u * u
        let w = z * z
        let odd = z * (a0 + w * (a2 + w * (a4 + w * (a6 + w * (a8 + w * a10)))))
        let even = w * (a1 + w * (a3 + w * (a5 + w * (a7 + w * a9))))
        // high = 0 for the first interval: the expression is then u − u·(odd + even) exactly as fdlibm's.
        return high - ((u * (odd + even) - low) - u)
    }

    // 2/π and π/2 = pio2High + pio2Low (e_rem_pio2.c: invpio2, pio2_1, pio2_1t).
    static let invPio2 = 6.36619772367581382433e-01
    static let pio2High = 1.57079632673412561417e+00
    static let pio2Low = 6.07710050650619224932e-11

    // sin(y) ≈ y + y³·P(y²) on |y| ≤ π/4 (k_sin.c S1…S6).
    static let s1 = -1.66666666666666324348e-01
    static let s2 = 8.33333333332248946124e-03
    static let s3 = -1.98412698298579493134e-04
    static let s4 = 2.75573137070700676789e-06
    static let s5 = -2.50507602534068634195e-08
    static let s6 = 1.58969099521155010221e-10

    // cos(y) ≈ 1 − y²/2 + y⁴·Q(y²) on |y| ≤ π/4 (k_cos.c C1…C6).
    static let c1 = 4.16666666666666019037e-02
    static let c2 = -1.38888888888741095749e-03
    static let c3 = 2.48015872894767294178e-05
    static let c4 = -2.75573143513906633035e-07
    static let c5 = 2.08757232129817482790e-09
    static let c6 = -1.13596475577881948265e-11

    // atan(u) ≈ u − u·(z·(a0 + w·…) + w·(a1 + w·…)) with z = u², w = z², |u| ≤ 7/16 (s_atan.c aT[0…10]).
    static let a0 = 3.33333333333329318027e-01
    static let a1 = -1.99999999998764832476e-01
    static let a2 = 1.42857142725034663711e-01
    static let a3 = -1.11111104054623557880e-01
    static let a4 = 9.09088713343650656196e-02
    static let a5 = -7.69187620504482999495e-02
    static let a6 = 6.66107313738753120669e-02
    static let a7 = -5.83357013379057348645e-02
    static let a8 = 4.97687799461593236017e-02
    static let a9 = -3.65315727442169155270e-02
    static let a10 = 1.62858201153657823623e-02

    // atan(½), atan(1) = π/4, π/2 and π, each as high + low parts.
    static let atanHalfHigh = 4.63647609000806093515e-01
    static let atanHalfLow = 2.26987774529616870924e-17
    static let atanOneHigh = 7.85398163397448278999e-01
    static let atanOneLow = 3.06161699786838301793e-17
    static let halfPiHigh = 1.57079632679489655800e+00
    static let halfPiLow = 6.12323399573676603587e-17
    static let piHigh = 3.14159265358979311600e+00
    static let piLow = 1.22464679914735317720e-16
}
