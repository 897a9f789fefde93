import BloomTestSupport
import Foundation
import Testing

@testable import BloomCore

/// The inlined sine, cosine and arctangent of the phase mix against libm, and the mix built on them
/// (``PhaseMixing/incorporatePeerPhases(local:peer:weight:)``) against the reference recipe
/// (``PhaseMixing/incorporatePeerPhasesExact(local:peer:weight:)``) over seeded random inputs.
@Suite(.dedicatedThread) struct PhaseKernelsTests {
    static func angleDistance(_ a: Double, _ b: Double) -> Double {
        abs((a - b).remainder(dividingBy: BloomConstants.twoPi))
    }

    static func uniform(_ rng: inout SplitMix64, _ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(rng.next() >> 11) / Double(1 << 53)
    }

    @Test func sinCos_agreesWithLibm_withinTwoUlpsOfOne_overItsWholeRange() {
        var rng = SplitMix64.printingSeed()
        var worst = 0.0
        for _ in 0..<200_000 {
            let x = Self.uniform(&rng, -PhaseKernels.sinCosBound, PhaseKernels.sinCosBound)
            let (s, c) = PhaseKernels.sinCos(x)
            worst = max(worst, abs(s - sin(x)), abs(c - cos(x)))
        }
        // Quadrant edges, zeros and the bounds themselves.
        for k in -40...40 {
            for x in [Double(k) * .pi / 4, Double(k) * .pi / 4 + 1e-9, Double(k) * .pi / 4 - 1e-9] {
                let (s, c) = PhaseKernels.sinCos(x)
                worst = max(worst, abs(s - sin(x)), abs(c - cos(x)))
            }
        }
        for x in [0.0, -0.0, 1e-300, PhaseKernels.sinCosBound, -PhaseKernels.sinCosBound] {
            let (s, c) = PhaseKernels.sinCos(x)
            worst = max(worst, abs(s - sin(x)), abs(c - cos(x)))
        }
        #expect(worst <= 2 * Double.ulpOfOne, "worst |Δ| \(worst)")
    }

    @Test func atan2_agreesWithLibm_overEveryQuadrantAndMagnitude() {
        var rng = SplitMix64.printingSeed()
        var worst = 0.0
        for _ in 0..<200_000 {
            let y = Self.uniform(&rng, -2, 2) * pow(10, Self.uniform(&rng, -6, 3))
            let x = Self.uniform(&rng, -2, 2) * pow(10, Self.uniform(&rng, -6, 3))
            worst = max(worst, abs(PhaseKernels.atan2(y, x) - atan2(y, x)))
        }
        #expect(worst <= 4 * Double.ulpOfOne, "worst |Δ| \(worst)")
        // Axes, diagonals, the interval edges of atanOfRatio (7/16, 11/16) and signed zeros: the same value as libm's.
        let cases: [(Double, Double)] = [
            (0, 1), (0, -1), (-0.0, 1), (-0.0, -1), (1, 0), (-1, 0), (1, -0.0), (1, 1), (1, -1), (-1, 1), (-1, -1),
            (7, 16), (11, 16), (16, 7), (-11, 16), (1e-300, 1), (1, 1e-300), (3, 1e300),
        ]
        for (y, x) in cases {
            #expect(abs(PhaseKernels.atan2(y, x) - atan2(y, x)) <= 2 * Double.ulpOfOne, "atan2(\(y), \(x))")
            #expect(PhaseKernels.atan2(y, x).sign == atan2(y, x).sign, "atan2(\(y), \(x)) sign")
        }
    }

    @Test func incorporate_agreesWithTheReferenceRecipe_overRandomEnsembles() throws {
        var rng = SplitMix64.printingSeed()
        var worst = 0.0
        var compared = 0
        for _ in 0..<2_000 {
            let n = Int(rng.next() % 80) + 1
            let m = Int(rng.next() % 80) + 1
            let local = (0..<n).map { _ in Self.uniform(&rng, 0, BloomConstants.twoPi) }
            // Peers' phases arrive as f32, sometimes outside [0, 2π): both the fast range and the recipe's.
            let peer = (0..<m).map { _ in Double(Float(Self.uniform(&rng, -12, 12))) }
            let weight = [0, 1, 0.5, Self.uniform(&rng, 0, 1)][Int(rng.next() % 4)]
            let fast = try PhaseMixing.incorporatePeerPhases(local: local, peer: peer, weight: weight)
            let exact = try PhaseMixing.incorporatePeerPhasesExact(local: local, peer: peer, weight: weight)
            #expect(fast.count == exact.count)
            let indices = PhaseMixing.resampleIndices(localCount: n, peerCount: m)
            for i in 0..<n {
                #expect(fast[i] >= 0 && fast[i] <= BloomConstants.twoPi, "output \(fast[i]) outside [0, 2π]")
                // Both forms round the mixed vector's components; its angle moves by about that error divided by
                // its length, so a near-cancelling pair (w ≈ ½, phases ≈ π apart) is compared more loosely.
                let b = peer[indices[i]]
                let length = hypot((1 - weight) * cos(local[i]) + weight * cos(b),
                                   (1 - weight) * sin(local[i]) + weight * sin(b))
                let distance = Self.angleDistance(fast[i], exact[i])
                #expect(distance <= 1e-12 * max(1, 1e-2 / length), "local \(local[i]) peer \(b) w \(weight)")
                if length >= 0.1 { worst = max(worst, distance) }
                compared += 1
            }
        }
        // Away from cancellation the two agree to a few ulps of 2π (b − a rounds at most by half an ulp of 16, and
        // the angle moves by at most 1/length times that): far inside the spec's 1e-12.
        #expect(worst <= 1e-13, "worst |Δ| \(worst) over \(compared) phases")
    }

    @Test func incorporate_nonFiniteAndFarPhases_takeTheRecipe() throws {
        let local = [0.5, .nan, 1e6, 2.0, -.infinity]
        let peer = [Double.nan, 1.0, 3.0, 1e30, 2.0]
        let fast = try PhaseMixing.incorporatePeerPhases(local: local, peer: peer, weight: 0.3)
        let exact = try PhaseMixing.incorporatePeerPhasesExact(local: local, peer: peer, weight: 0.3)
        #expect(fast.map(\.bitPattern) == exact.map(\.bitPattern))
        #expect(fast[0].isNaN && fast[1].isNaN && fast[4].isNaN)
    }
}
