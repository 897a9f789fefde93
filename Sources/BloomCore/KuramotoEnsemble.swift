import Foundation

/// N Kuramoto oscillators: f64 phases in [0, 2π] and natural frequencies, advanced by the reference's noiseless
/// Euler step (spec §6.4).
///
/// The step evaluates the coupling sums in one of two forms (``KuramotoSum``). `.pairwiseExact` reproduces the
/// reference bit for bit given the same libm: the same subtraction and `sin` per pair, numpy's pairwise row sums
/// (§6.6), no fused multiply-add. `.meanField` uses the O(N) identity and the cos/sin values of the round's order
/// parameter (``measureOrderParameter()``). Neither allocates per round: the N×N sine matrix and the 2N cos/sin
/// values live in scratch buffers owned by the value (copy-on-write: a copied ensemble pays one copy on its next
/// step).
public struct KuramotoEnsemble: Sendable {
    /// Up to this N the step fills the whole sine matrix, computing each pair's sine once (sin is odd); above it
    /// the step computes row by row, so that scratch memory stays O(N) (N may reach 10 000).
    static let defaultDenseLimit = 256

    /// The current phases θ₀…θ_{N−1}.
    public private(set) var phases: [Double]
    /// The natural frequencies ω₀…ω_{N−1} (radians per unit time).
    public let frequencies: [Double]
    private var scratch: [Double]
    private let dense: Bool
    /// cos θⱼ and sin θⱼ interleaved ([c0, s0, c1, s1, …], 2N values), valid for the current phases only while
    /// `trigIsCurrent`; with `sumCos`/`sumSin` they are what ``measureOrderParameter()`` computed.
    private var trig: [Double]
    private var sumCos = 0.0
    private var sumSin = 0.0
    /// False as soon as the phases change (step, setPhases, incorporation): the mean-field step then computes
    /// the values again instead of using stale ones.
    private var trigIsCurrent = false

    /// The number of oscillators N.
    public var count: Int { phases.count }

    /// An ensemble with the given phases and frequencies.
    /// - Throws: `KuramotoError.phaseCountMismatch` when the two counts differ.
    public init(phases: [Double], frequencies: [Double]) throws(KuramotoError) {
        try self.init(phases: phases, frequencies: frequencies, denseLimit: Self.defaultDenseLimit)
    }

    /// As the public initialiser, with the dense/row-by-row switch point open to tests.
    init(phases: [Double], frequencies: [Double], denseLimit: Int) throws(KuramotoError) {
        guard phases.count == frequencies.count else {
            throw .phaseCountMismatch(expected: frequencies.count, actual: phases.count)
        }
        self.init(unchecked: phases, frequencies, denseLimit: denseLimit)
    }

    /// The caller guarantees equal counts.
    private init(unchecked phases: [Double], _ frequencies: [Double], denseLimit: Int) {
        let n = phases.count
        self.phases = phases
        self.frequencies = frequencies
        self.dense = n <= denseLimit
        self.scratch = [Double](repeating: 0, count: dense ? n * n : 2 * n)
        self.trig = [Double](repeating: 0, count: 2 * n)
    }

    /// The reference's initial state for one nonce attempt (spec §6.2): a legacy `RandomState(seed)` draws N
    /// phases `0.0 + 2π × next_double`, then N frequencies `standard_cauchy × (frequencyStd × TAU)`.
    /// - Parameters:
    ///   - seed: the RNG seed (the attempt's nonce mod 2^31).
    ///   - count: N, the number of oscillators.
    ///   - frequencyStd: the configuration's `frequency_std`.
    public static func initial(seed: UInt32, count: Int, frequencyStd: Double) -> KuramotoEnsemble {
        var rng = LegacyRandomState(seed: seed)
        let n = max(0, count)
        var phases = [Double](repeating: 0, count: n)
        for i in 0..<n {
            phases[i] = 0.0 + BloomConstants.twoPi * rng.nextDouble()
        }
        let gamma = frequencyStd * BloomConstants.tau
        var frequencies = [Double](repeating: 0, count: n)
        for i in 0..<n {
            frequencies[i] = rng.standardCauchy() * gamma
        }
        // Both arrays have n elements.
        return KuramotoEnsemble(unchecked: phases, frequencies, denseLimit: defaultDenseLimit)
    }

    /// The order parameter (r, ψ) of the current phases (spec §6.3).
    public func orderParameter() -> (r: Double, psi: Double) {
        OrderParameter.compute(phases)
    }

    /// The order parameter of the current phases, bit for bit as ``orderParameter()``, keeping the cos θⱼ and
    /// sin θⱼ it computes so that a following `.meanField` ``step(coupling:dt:sum:)`` does not compute them again
    /// (a miner round measures r, then steps: half of a mean-field round's `sin`/`cos` calls are saved this way).
    public mutating func measureOrderParameter() -> (r: Double, psi: Double) {
        let n = phases.count
        if n == 0 { return (0, 0) }
        let measured = phases.withUnsafeBufferPointer { theta in
            trig.withUnsafeMutableBufferPointer { OrderParameter.measure(theta, interleaved: $0) }
        }
        sumCos = measured.sumCos
        sumSin = measured.sumSin
        trigIsCurrent = true
        return (measured.r, measured.psi)
    }

    /// Replaces the phases, e.g. after mixing in a peer's state (spec §7.5), keeping the frequencies.
    /// - Throws: `KuramotoError.phaseCountMismatch` when `newPhases` does not have N elements.
    public mutating func setPhases(_ newPhases: [Double]) throws(KuramotoError) {
        guard newPhases.count == phases.count else {
            throw .phaseCountMismatch(expected: phases.count, actual: newPhases.count)
        }
        phases = newPhases
        trigIsCurrent = false
    }

    /// Mixes a peer's phases into this ensemble (spec §7.5); the result keeps N phases whatever the peer's count.
    /// - Throws: `PhaseMixingError` for a weight outside [0, 1] or NaN.
    public mutating func incorporatePeerPhases(_ peer: [Double], weight: Double) throws(PhaseMixingError) {
        phases = try PhaseMixing.incorporatePeerPhases(local: phases, peer: peer, weight: weight)
        trigIsCurrent = false
    }

    /// The reference's adaptive coupling: `base × (1 + LAMBDA × exp(−SIGMA × (r − Z_C)²))`, the square as x·x.
    @inlinable
    public static func adaptiveCoupling(r: Double, base: Double) -> Double {
        let x = r - BloomConstants.zC
        let square = x * x
        return base * (1 + BloomConstants.lambda * exp(-BloomConstants.sigma * square))
    }

    /// One noiseless Euler step (spec §6.4): θ'ᵢ = floor_mod(θᵢ + (ωᵢ + (K/N)·Sᵢ)·dt, 2π), where Sᵢ is
    /// Σⱼ sin(θⱼ − θᵢ) evaluated in the form `sum` selects.
    /// - Parameters:
    ///   - coupling: K_eff for this round.
    ///   - dt: the time step.
    ///   - sum: `.pairwiseExact` (the default: the reference's step, bit for bit) or `.meanField` (O(N), equal to
    ///     rounding; what the miner uses, see ``KuramotoSum``).
    public mutating func step(coupling: Double, dt: Double, sum: KuramotoSum = .pairwiseExact) {
        let n = phases.count
        if n == 0 { return }
        let coef = coupling / Double(n)
        switch sum {
        case .pairwiseExact:
            let dense = self.dense
            frequencies.withUnsafeBufferPointer { omega in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    phases.withUnsafeMutableBufferPointer { theta in
                        if dense {
                            Self.denseStep(theta, omega, scratch, coef: coef, dt: dt)
                        } else {
                            Self.rowStep(theta, omega, scratch, coef: coef, dt: dt)
                        }
                    }
                }
            }
        case .meanField:
            if !trigIsCurrent { _ = measureOrderParameter() }
            let sumCos = self.sumCos, sumSin = self.sumSin
            frequencies.withUnsafeBufferPointer { omega in
                trig.withUnsafeBufferPointer { trig in
                    phases.withUnsafeMutableBufferPointer { theta in
                        Self.meanFieldStep(theta, omega, trig, sumCos: sumCos, sumSin: sumSin, coef: coef, dt: dt)
                    }
                }
            }
        }
        trigIsCurrent = false
    }

    /// Sᵢ = cos θᵢ · Σ sin θⱼ − sin θᵢ · Σ cos θⱼ (``KuramotoSum/meanField``), with cos θᵢ and sin θᵢ taken from
    /// the order parameter's interleaved values of the same phases: 2 products and a subtraction per oscillator
    /// instead of N `sin` calls and a row sum.
    private static func meanFieldStep(
        _ theta: UnsafeMutableBufferPointer<Double>,
        _ omega: UnsafeBufferPointer<Double>,
        _ trig: UnsafeBufferPointer<Double>,
        sumCos: Double,
        sumSin: Double,
        coef: Double,
        dt: Double
    ) {
        for i in 0..<theta.count {
            let cosI = trig[2 * i]
            let sinI = trig[2 * i + 1]
            let sum = cosI * sumSin - sinI * sumCos
            theta[i] = advance(theta[i], omega[i], sum, coef: coef, dt: dt)
        }
    }

    /// Fills the N×N matrix M[i][j] = sin(θⱼ − θᵢ) with one `sin` per pair, then updates every phase.
    ///
    /// θᵢ − θⱼ is exactly −(θⱼ − θᵢ) in IEEE arithmetic and glibc's `sin` is odd (it reduces |x| and restores
    /// the sign, with sign-symmetric rounding throughout), so M[j][i] = −M[i][j] bit for bit; `0.0 − v` keeps
    /// +0.0 for equal phases, as `sin(+0.0)` gives. `KuramotoEnsembleTests` checks this path against the
    /// row-by-row one, which calls `sin` for every pair.
    private static func denseStep(
        _ theta: UnsafeMutableBufferPointer<Double>,
        _ omega: UnsafeBufferPointer<Double>,
        _ matrix: UnsafeMutableBufferPointer<Double>,
        coef: Double,
        dt: Double
    ) {
        let n = theta.count
        for i in 0..<n {
            let thetaI = theta[i]
            let rowI = i * n
            matrix[rowI + i] = sin(thetaI - thetaI)
            var j = i + 1
            while j < n {
                let v = sin(theta[j] - thetaI)
                matrix[rowI + j] = v
                matrix[j * n + i] = 0.0 - v
                j += 1
            }
        }
        let rows = UnsafeBufferPointer(matrix)
        for i in 0..<n {
            let sum = 0.0 + PairwiseSum.real(rows, i * n, n)
            theta[i] = advance(theta[i], omega[i], sum, coef: coef, dt: dt)
        }
    }

    /// The direct form: each row's sines computed into a row buffer, the sums kept until every row is done.
    private static func rowStep(
        _ theta: UnsafeMutableBufferPointer<Double>,
        _ omega: UnsafeBufferPointer<Double>,
        _ scratch: UnsafeMutableBufferPointer<Double>,
        coef: Double,
        dt: Double
    ) {
        let n = theta.count
        for i in 0..<n {
            let thetaI = theta[i]
            for j in 0..<n {
                scratch[j] = sin(theta[j] - thetaI)
            }
            scratch[n + i] = 0.0 + PairwiseSum.real(UnsafeBufferPointer(scratch), 0, n)
        }
        for i in 0..<n {
            theta[i] = advance(theta[i], omega[i], scratch[n + i], coef: coef, dt: dt)
        }
    }

    /// θ' = floor_mod(θ + (ω + coef·S)·dt, 2π), each product rounded on its own.
    @inline(__always)
    private static func advance(_ theta: Double, _ omega: Double, _ sum: Double, coef: Double, dt: Double) -> Double {
        let coupling = coef * sum
        let velocity = omega + coupling
        let increment = velocity * dt
        return PhaseArithmetic.floorMod(theta + increment, BloomConstants.twoPi)
    }
}

/// Errors of the Kuramoto ensemble and miner.
public enum KuramotoError: Error, Equatable, Sendable {
    /// A phase vector does not have the ensemble's N elements.
    case phaseCountMismatch(expected: Int, actual: Int)
    /// A miner configuration field is outside its allowed range; `field` is its name in spec §6.1.
    case invalidConfiguration(field: String)
}
