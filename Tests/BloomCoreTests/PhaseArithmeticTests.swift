import BloomCore
import BloomTestSupport
import Testing

/// The fmod-free wrap of an angle against the general floor modulo (spec §6.4 `floor_mod`).
@Suite struct PhaseArithmeticTests {
    @Test func floorModOfAngle_equalsFloorMod_bitForBit_onEdges() {
        let pi = Double.pi, twoPi = BloomConstants.twoPi
        let edges: [Double] = [
            0.0, -0.0, pi, -pi, pi.nextDown, (-pi).nextUp, twoPi.nextDown, -twoPi.nextDown,
            .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
            1e-300, -1e-300, 1e-17, -1e-17, 1.0, -1.0, .nan,
        ]
        for x in edges {
            let fast = PhaseArithmetic.floorModOfAngle(x)
            let general = PhaseArithmetic.floorMod(x, twoPi)
            #expect(fast.bitPattern == general.bitPattern, "x = \(x) (\(String(x.bitPattern, radix: 16)))")
        }
    }

    @Test func floorModOfAngle_equalsFloorMod_bitForBit_onRandomAngles() {
        var rng = SplitMix64(seed: 0x5eed_2026)
        print("PhaseArithmeticTests seed 0x5eed2026")
        var mismatches = 0
        for _ in 0..<200_000 {
            // Uniform over (−2π, 2π), where the two must agree.
            let unit = Double(rng.next() >> 11) / Double(1 << 53)
            let x = (2 * unit - 1) * BloomConstants.twoPi.nextDown
            let fast = PhaseArithmetic.floorModOfAngle(x)
            if fast.bitPattern != PhaseArithmetic.floorMod(x, BloomConstants.twoPi).bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}

/// `floorMod`'s fmod-free ranges against the spec's formula, computed with `fmod` every time.
@Suite struct FloorModTests {
    /// Spec §6.4 `floor_mod`, literally: `t = fmod(x, m); if t != 0 and (t < 0) != (m < 0) then t += m; if t == 0
    /// then t = +0.0`.
    static func specFloorMod(_ x: Double, _ m: Double) -> Double {
        var t = x.truncatingRemainder(dividingBy: m)
        if t != 0 {
            if (t < 0) != (m < 0) { t += m }
        } else {
            t = 0.0
        }
        return t
    }

    @Test(arguments: [BloomConstants.twoPi, 1.0, 0.1, -BloomConstants.twoPi, .infinity, .leastNormalMagnitude])
    func floorMod_equalsTheSpecFormula_bitForBit(m: Double) {
        let edges: [Double] = [
            0, -0.0, m, -m, 2 * m, -2 * m, m.nextUp, m.nextDown, (2 * m).nextDown, (2 * m).nextUp, (-m).nextUp,
            (-m).nextDown, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, -1e-300, 1e-300, .infinity, -.infinity,
            .nan, 3 * m, -3 * m,
        ]
        for x in edges {
            let fast = PhaseArithmetic.floorMod(x, m)
            let spec = Self.specFloorMod(x, m)
            #expect(fast.bitPattern == spec.bitPattern, "x = \(x), m = \(m)")
        }
        var rng = SplitMix64(seed: 0xf100_4d0d)
        print("FloorModTests seed 0xf1004d0d, m = \(m)")
        var mismatches: [Double] = []
        let scale = m.isFinite ? abs(m) : 10
        for _ in 0..<100_000 {
            // Uniform over (−3|m|, 3|m|): every fast range, its borders and the general path beyond.
            let unit = Double(rng.next() >> 11) / Double(1 << 53)
            let x = (6 * unit - 3) * scale
            if PhaseArithmetic.floorMod(x, m).bitPattern != Self.specFloorMod(x, m).bitPattern { mismatches.append(x) }
        }
        #expect(mismatches.isEmpty, "first mismatches \(mismatches.prefix(3))")
    }
}
