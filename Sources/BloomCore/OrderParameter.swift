import Foundation

/// The Kuramoto order parameter r·e^{iψ} = (1/N) Σ e^{iθⱼ}, computed exactly as the reference (numpy 2.x) does,
/// so that r and ψ match its f64 results bit for bit (spec §6.3, §6.6).
public enum OrderParameter {
    /// (r, ψ) of `phases`; ψ in [0, 2π). (0, 0) for no phases.
    public static func compute(_ phases: UnsafeBufferPointer<Double>) -> (r: Double, psi: Double) {
        let n = phases.count
        if n == 0 { return (0, 0) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n) { buffer in
            let measured = measure(phases, interleaved: buffer)
            return (measured.r, measured.psi)
        }
    }

    /// What one evaluation of the order parameter yields: (r, ψ) and the two sums behind them.
    struct Measurement {
        var r: Double
        var psi: Double
        /// `0.0 + Σ cos θⱼ`, summed in numpy's pairwise order (spec §6.6).
        var sumCos: Double
        /// `0.0 + Σ sin θⱼ`, likewise.
        var sumSin: Double
    }

    /// The order parameter of `phases` (N > 0), leaving cos θⱼ and sin θⱼ interleaved in `interleaved` (2N
    /// values: [c0, s0, c1, s1, …], numpy's complex array), so that a mean-field step can reuse them.
    ///
    /// The only implementation of §6.3: `compute(_:)` and the ensemble's round both go through it, so
    /// r and ψ are the same bits whichever path measured them (a certificate's r values and its final phases'
    /// recomputed r agree exactly).
    static func measure(
        _ phases: UnsafeBufferPointer<Double>,
        interleaved buffer: UnsafeMutableBufferPointer<Double>
    ) -> Measurement {
        let n = phases.count
        for j in 0..<n {
            buffer[2 * j] = cos(phases[j])
            buffer[2 * j + 1] = sin(phases[j])
        }
        let sum = PairwiseSum.complex(UnsafeBufferPointer(rebasing: buffer[0..<(2 * n)]))
        let sumCos = 0.0 + sum.0
        let sumSin = 0.0 + sum.1
        let inv = 1.0 / Double(n)
        let zr = sumCos * inv
        let zi = sumSin * inv
        return Measurement(r: magnitude(zr, zi), psi: angle(zr, zi), sumCos: sumCos, sumSin: sumSin)
    }

    public static func compute(_ phases: [Double]) -> (r: Double, psi: Double) {
        phases.withUnsafeBufferPointer { compute($0) }
    }

    /// The order parameter of f32 phases widened to f64 (as certificate verification needs).
    public static func compute(_ phases: [Float]) -> (r: Double, psi: Double) {
        let n = phases.count
        if n == 0 { return (0, 0) }
        // Widened into a temporary buffer (on the stack for a block's N) rather than a mapped array.
        return phases.withUnsafeBufferPointer { narrow in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { wide in
                for i in 0..<n { wide.initializeElement(at: i, to: Double(narrow[i])) }
                return compute(UnsafeBufferPointer(wide))
            }
        }
    }

    /// |z| as numpy 2.x computes it: sqrt(fma(q, q, 1)) × big, q = small / big.
    @inlinable
    public static func magnitude(_ zr: Double, _ zi: Double) -> Double {
        let a = abs(zr), b = abs(zi)
        let big = max(a, b), small = min(a, b)
        if big == 0 { return 0 }
        let q = small / big
        return (1.0).addingProduct(q, q).squareRoot() * big
    }

    /// atan2(zi, zr) moved into [0, 2π).
    @inlinable
    public static func angle(_ zr: Double, _ zi: Double) -> Double {
        var psi = atan2(zi, zr)
        if psi < 0 { psi += BloomConstants.twoPi }
        return psi
    }
}

/// numpy's pairwise summation (spec §6.6), which fixes the order of additions and therefore the rounding.
public enum PairwiseSum {
    /// Σ a, as `np.sum` of a real vector: the final value is `0.0 + res` (the caller adds the 0.0 where the
    /// reference does; this returns `res`).
    public static func real(_ a: UnsafeBufferPointer<Double>) -> Double {
        real(a, 0, a.count)
    }

    static func real(_ a: UnsafeBufferPointer<Double>, _ start: Int, _ n: Int) -> Double {
        if n < 8 {
            var res = -0.0
            for i in start..<(start + n) { res += a[i] }
            return res
        }
        if n <= 128 {
            var r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3]
            var r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7]
            var i = 8
            let blocked = n - n % 8
            while i < blocked {
                r0 += a[start + i]; r1 += a[start + i + 1]; r2 += a[start + i + 2]; r3 += a[start + i + 3]
                r4 += a[start + i + 4]; r5 += a[start + i + 5]; r6 += a[start + i + 6]; r7 += a[start + i + 7]
                i += 8
            }
            var res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n {
                res += a[start + i]
                i += 1
            }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return real(a, start, n2) + real(a, start + n2, n - n2)
    }

    /// Σ of complex numbers given interleaved as [re0, im0, re1, im1, …] (m = 2N values), as numpy sums a
    /// complex array: returns (re, im) before the final `0.0 +`.
    public static func complex(_ a: UnsafeBufferPointer<Double>) -> (Double, Double) {
        complex(a, 0, a.count)
    }

    static func complex(_ a: UnsafeBufferPointer<Double>, _ start: Int, _ m: Int) -> (Double, Double) {
        if m < 8 {
            var re = -0.0, im = -0.0
            var i = 0
            while i < m {
                re += a[start + i]
                im += a[start + i + 1]
                i += 2
            }
            return (re, im)
        }
        if m <= 128 {
            var r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3]
            var r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7]
            var i = 8
            let blocked = m - m % 8
            while i < blocked {
                r0 += a[start + i]; r1 += a[start + i + 1]; r2 += a[start + i + 2]; r3 += a[start + i + 3]
                r4 += a[start + i + 4]; r5 += a[start + i + 5]; r6 += a[start + i + 6]; r7 += a[start + i + 7]
                i += 8
            }
            var re = (r0 + r2) + (r4 + r6)
            var im = (r1 + r3) + (r5 + r7)
            while i < m {
                re += a[start + i]
                im += a[start + i + 1]
                i += 2
            }
            return (re, im)
        }
        var m2 = m / 2
        m2 -= m2 % 8
        let left = complex(a, start, m2)
        let right = complex(a, start + m2, m - m2)
        return (left.0 + right.0, left.1 + right.1)
    }
}
