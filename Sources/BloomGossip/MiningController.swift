import BloomCore

/// Settings of the local ensemble and miner.
public struct MiningConfiguration: Sendable {
    /// `--mine-profile`: the Kuramoto settings (`.quick` by default, spec §6.1).
    public var miner: MinerConfig
    /// `--mine`: seal blocks. Without it the ensemble still runs, for gossip (spec §2.5 item 9).
    public var mine: Bool
    /// `--min-block-interval`: least time between two seals here, in clock seconds.
    public var minBlockInterval: Double
    /// Pace of the ensemble when it does not mine (spec §2.5 item 9: about 100 rounds a second).
    public var idleRoundsPerSecond: Double

    /// A configuration with every field given; defaults as DESIGN.md's flags.
    public init(
        miner: MinerConfig = .quick,
        mine: Bool = false,
        minBlockInterval: Double = 420,
        idleRoundsPerSecond: Double = 100
    ) {
        self.miner = miner
        self.mine = mine
        self.minBlockInterval = minBlockInterval
        self.idleRoundsPerSecond = idleRoundsPerSecond
    }
}

/// Why a bloom did not become a seal (for the log).
public enum SealSkip: Equatable, Sendable {
    /// Mining is off or no tip is known yet.
    case notMining
    /// This tip already has our seal.
    case alreadySealedThisTip
    /// The last seal was less than `minBlockInterval` ago.
    case tooSoon(remaining: Double)
    /// The certificate failed the Swift verification (cannot happen with the wire-safe bloom rule).
    case certificateInvalid(ReasonCode)

    /// The reason without its details (a `tooSoon` whose remaining time shrinks each round is still one reason).
    public enum Kind: Sendable, Hashable {
        case notMining, alreadySealedThisTip, tooSoon, certificateInvalid
    }

    /// This reason's kind.
    public var kind: Kind {
        switch self {
        case .notMining: .notMining
        case .alreadySealedThisTip: .alreadySealedThisTip
        case .tooSoon: .tooSoon
        case .certificateInvalid: .certificateInvalid
        }
    }
}

/// What one round of the controller produced.
public enum MiningStep: Equatable, Sendable {
    /// A round without a bloom.
    case round
    /// A bloom sealed a block on the current tip.
    case sealed(SealedBlock)
    /// A bloom that was not sealed, and why.
    case bloomSkipped(SealSkip)
}

/// The local ensemble and the mining policy around `KuramotoMiner`: which tip to mine on, restarts on a new tip,
/// one seal per tip, the minimum interval between seals, cooperative incorporation. Pure: the caller drives it
/// round by round (`EnsembleThread` on a dedicated thread), with time passed in.
public struct MiningController: Sendable {
    /// The settings.
    public let configuration: MiningConfiguration
    /// The miner.
    public private(set) var miner: KuramotoMiner
    /// The tip mined on.
    public private(set) var tip: TipUpdate?
    /// Nonce attempts begun since creation (restarts included): the "attempts per second" numerator.
    public private(set) var attemptsStarted = 1
    /// Rounds run since creation.
    public private(set) var roundsRun = 0
    private var lastSealTime: Double?
    private var sealedTip: Hash256?

    /// A controller at attempt 0 with no tip.
    /// - Throws: `KuramotoError.invalidConfiguration` for an unusable miner configuration.
    public init(configuration: MiningConfiguration) throws(KuramotoError) {
        self.configuration = configuration
        self.miner = try KuramotoMiner(config: configuration.miner)
    }

    /// Whether blooms are sealed now: `--mine` and a tip to build on.
    public var isMining: Bool { configuration.mine && tip != nil }

    /// A new best tip: restart the attempt on it (spec §6.2: the seed does not depend on the tip).
    public mutating func tipChanged(_ newTip: TipUpdate) {
        guard newTip.hash != tip?.hash else { return }
        tip = newTip
        miner.restart()
        attemptsStarted += 1
    }

    /// Mixes phases (the network view) into the ensemble (spec §7.5).
    /// - Throws: `PhaseMixingError` for a weight outside [0, 1].
    public mutating func incorporate(_ phases: [Double], weight: Double) throws(PhaseMixingError) {
        try miner.incorporatePeerPhases(phases, weight: weight)
    }

    /// Replaces the ensemble's phases between rounds (e.g. with a merged network state).
    /// - Throws: `KuramotoError.phaseCountMismatch` when the count is not N.
    public mutating func setPhases(_ phases: [Double]) throws(KuramotoError) {
        try miner.setPhases(phases)
    }

    /// The current phases and their order parameter.
    public func snapshot() -> EnsembleSnapshot {
        let (r, psi) = miner.orderParameter()
        return EnsembleSnapshot(phases: miner.phases, r: r, psi: psi)
    }

    /// A seal that no new tip answered is taken as lost (bloom-sync restarting or not yet subscribed, or the seal
    /// dropped) after this many clock seconds, and the same tip is sealed again; otherwise a lone miner would wait
    /// forever for a tip that never comes.
    public static let lostSealTimeout = 10.0

    /// How long a seal on the current tip holds back the next one: the timeout, or the interval if longer.
    private var resealAfter: Double { max(configuration.minBlockInterval, Self.lostSealTimeout) }

    /// Runs one round at clock time `now`.
    public mutating func step(now: Double) -> MiningStep {
        let attemptBefore = miner.attempt
        guard let round = miner.step() else {
            // Every attempt ran out without a bloom: start over so the ensemble keeps moving for gossip.
            miner.restart()
            attemptsStarted += 1
            return .round
        }
        roundsRun += 1
        if miner.attempt != attemptBefore { attemptsStarted += 1 }
        guard let seal = round.seal else { return .round }
        guard configuration.mine, let tip else { return .bloomSkipped(.notMining) }
        if sealedTip == tip.hash, let last = lastSealTime, now - last < resealAfter {
            return .bloomSkipped(.alreadySealedThisTip)
        }
        if let last = lastSealTime, now - last < configuration.minBlockInterval {
            return .bloomSkipped(.tooSoon(remaining: configuration.minBlockInterval - (now - last)))
        }
        let certificate = ConsensusCertificate(
            bloomStart: seal.bloomStart,
            bloomEnd: seal.bloomEnd,
            oscillatorCount: seal.oscillatorCount,
            rValues: seal.rValuesWire,
            psiValues: seal.psiValuesWire,
            finalPhases: seal.finalPhasesWire
        )
        if let reason = certificate.verify() { return .bloomSkipped(.certificateInvalid(reason)) }
        lastSealTime = now
        sealedTip = tip.hash
        return .sealed(
            SealedBlock(
                prevHash: tip.hash,
                height: tip.height + 1,
                nonce: seal.nonce,
                r: seal.orderParameterWire,
                psi: seal.meanPhaseWire,
                oscillatorCount: seal.oscillatorCount,
                certificate: certificate
            )
        )
    }
}
