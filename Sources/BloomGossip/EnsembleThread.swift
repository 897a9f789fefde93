import BloomCore
import Foundation

/// What the ensemble thread publishes for the rest of the service.
public struct EnsembleStatus: Equatable, Sendable {
    /// The local ensemble at the last published round.
    public var snapshot: EnsembleSnapshot
    /// Whether blooms are sealed (`--mine` and a tip).
    public var mining: Bool
    /// Rounds run so far.
    public var rounds: Int
    /// Nonce attempts begun so far.
    public var attempts: Int
    /// Attempts begun per second over the last measured second.
    public var attemptsPerSecond: Double
    /// Rounds per second over the last measured second.
    public var roundsPerSecond: Double

    /// A status with every field given.
    public init(
        snapshot: EnsembleSnapshot,
        mining: Bool,
        rounds: Int,
        attempts: Int,
        attemptsPerSecond: Double,
        roundsPerSecond: Double
    ) {
        self.snapshot = snapshot
        self.mining = mining
        self.rounds = rounds
        self.attempts = attempts
        self.attemptsPerSecond = attemptsPerSecond
        self.roundsPerSecond = roundsPerSecond
    }
}

/// Runs a `MiningController` on its own thread, never on the cooperative pool (DESIGN.md: the pool is two threads
/// here, and the ensemble is CPU-bound): at full speed while mining, paced to `idleRoundsPerSecond` otherwise.
///
/// Idle, the rounds run in batches, `idleWakesPerSecond` a second: at one round a wake (100 a second), waking,
/// publishing the status and sleeping cost more than the rounds and were two thirds of an idle bloom-gossip's CPU
/// (perf). A new tip or a stop wakes the thread at once, so batching adds no latency to them.
///
/// Other threads talk to it through a mutex-guarded mailbox (new tip, phases to incorporate, stop) and read the
/// published `EnsembleStatus`; seals are handed to `onEvent` from the ensemble thread.
public final class EnsembleThread: Sendable {
    /// What the ensemble thread reports.
    public enum Event: Sendable {
        /// A bloom sealed a block.
        case sealed(SealedBlock)
        /// A bloom was not sealed.
        case bloomSkipped(SealSkip)
    }

    private struct Shared: Sendable {
        var tips: [TipUpdate] = []
        var mixes: [(phases: [Double], weight: Double)] = []
        var stopRequested = false
        var started = false
        var status: EnsembleStatus
    }

    private let shared: Locked<Shared>
    private let controllerBox: Locked<MiningController?>
    private let clock: @Sendable () -> Double
    private let onEvent: @Sendable (Event) -> Void
    private let finished = DispatchSemaphore(value: 0)
    /// Signalled by a new tip and by a stop, so that an idle thread does not sleep through them.
    private let wake = DispatchSemaphore(value: 0)

    /// Rounds run between two looks at the mailbox while mining: small enough to react to a tip within
    /// milliseconds, large enough that the lock costs nothing.
    static let miningBatch = 16
    /// How often an idle thread wakes to run its batch of rounds (the gossip service reads the status 10 times a
    /// second, so a faster status is never seen).
    public static let idleWakesPerSecond = 10.0

    /// Rounds an idle thread runs each time it wakes, and the time between two wakes, for `roundsPerSecond`.
    public static func idleSchedule(roundsPerSecond: Double) -> (rounds: Int, period: Double) {
        let rate = max(1, roundsPerSecond)
        let rounds = max(1, Int((rate / idleWakesPerSecond).rounded()))
        return (rounds, Double(rounds) / rate)
    }

    /// A thread (not started) around `controller`.
    /// - Parameters:
    ///   - controller: the ensemble and miner; owned by the thread from now on.
    ///   - clock: monotonic seconds, for the seal interval and the rates.
    ///   - onEvent: called on the ensemble thread for each seal or skipped bloom; keep it short.
    public init(
        controller: MiningController,
        clock: @escaping @Sendable () -> Double,
        onEvent: @escaping @Sendable (Event) -> Void
    ) {
        let status = EnsembleStatus(
            snapshot: controller.snapshot(),
            mining: controller.isMining,
            rounds: 0,
            attempts: controller.attemptsStarted,
            attemptsPerSecond: 0,
            roundsPerSecond: 0
        )
        self.shared = Locked(Shared(status: status))
        self.controllerBox = Locked(controller)
        self.clock = clock
        self.onEvent = onEvent
    }

    /// Starts the thread; later calls do nothing.
    public func start() {
        let first = shared.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in self.loop() }
        thread.name = "bloom-gossip.ensemble"
        thread.start()
    }

    /// A new best tip: the miner restarts on it.
    public func post(tip: TipUpdate) {
        shared.withLock { $0.tips.append(tip) }
        wake.signal()
    }

    /// Phases to mix into the ensemble before its next round.
    public func post(incorporate phases: [Double], weight: Double) {
        shared.withLock { $0.mixes.append((phases, weight)) }
    }

    /// The latest published status.
    public var status: EnsembleStatus { shared.withLock { $0.status } }

    /// Asks the thread to stop and waits until it has; returns at once if it never started. Call once.
    public func stopAndWait() {
        let running = shared.withLock { state -> Bool in
            state.stopRequested = true
            return state.started
        }
        guard running else { return }
        wake.signal()
        finished.wait()
    }

    private func loop() {
        // The controller is taken out of its box for the thread's lifetime: only this thread touches it.
        guard var controller = controllerBox.withLock({ box -> MiningController? in
            let taken = box
            box = nil
            return taken
        }) else {
            finished.signal()
            return
        }
        var rate = RateWindow(start: clock(), rounds: 0, attempts: controller.attemptsStarted)
        var lastSkip: SealSkip.Kind?
        let idle = Self.idleSchedule(roundsPerSecond: controller.configuration.idleRoundsPerSecond)
        // Pacing follows the real monotonic clock: the injected clock is protocol time and may be frozen in tests.
        let pace = ContinuousClock()
        var nextIdleBatch = pace.now
        while true {
            let (tips, mixes, stop) = shared.withLock { state in
                let taken = (state.tips, state.mixes, state.stopRequested)
                state.tips.removeAll()
                state.mixes.removeAll()
                return taken
            }
            if stop { break }
            if !tips.isEmpty { lastSkip = nil }
            for tip in tips { controller.tipChanged(tip) }
            for mix in mixes { try? controller.incorporate(mix.phases, weight: mix.weight) }
            let mining = controller.isMining
            let due = mining || pace.now >= nextIdleBatch
            if due {
                for _ in 0..<(mining ? Self.miningBatch : idle.rounds) {
                    switch controller.step(now: clock()) {
                    case .round: break
                    case .sealed(let block):
                        lastSkip = nil
                        onEvent(.sealed(block))
                    case .bloomSkipped(let reason):
                        // Once coherent, the ensemble blooms again every round: report a reason once, not per
                        // round. At full speed that was hundreds of thousands of events a second into the
                        // service's stream, and the tip that would end them waited behind them.
                        guard reason.kind != lastSkip else { break }
                        lastSkip = reason.kind
                        onEvent(.bloomSkipped(reason))
                    }
                }
            }
            if due || !tips.isEmpty || !mixes.isEmpty {
                let now = clock()
                rate.update(now: now, rounds: controller.roundsRun, attempts: controller.attemptsStarted)
                let status = EnsembleStatus(
                    snapshot: controller.snapshot(),
                    mining: controller.isMining,
                    rounds: controller.roundsRun,
                    attempts: controller.attemptsStarted,
                    attemptsPerSecond: rate.attemptsPerSecond,
                    roundsPerSecond: rate.roundsPerSecond
                )
                shared.withLock { $0.status = status }
            }
            guard !controller.isMining else { continue }
            let paceNow = pace.now
            if due {
                // The next batch one period on; after a late batch, restart the schedule instead of bursting.
                nextIdleBatch = nextIdleBatch.advanced(by: .seconds(idle.period))
                if nextIdleBatch < paceNow { nextIdleBatch = paceNow }
            }
            if nextIdleBatch > paceNow {
                _ = wake.wait(timeout: .now() + (nextIdleBatch - paceNow) / .seconds(1))
            }
        }
        finished.signal()
    }
}

/// Rounds and attempts per second over windows of at least one second.
struct RateWindow {
    var start: Double
    var rounds: Int
    var attempts: Int
    var roundsPerSecond = 0.0
    var attemptsPerSecond = 0.0

    init(start: Double, rounds: Int, attempts: Int) {
        self.start = start
        self.rounds = rounds
        self.attempts = attempts
    }

    mutating func update(now: Double, rounds newRounds: Int, attempts newAttempts: Int) {
        let elapsed = now - start
        guard elapsed >= 1 else { return }
        roundsPerSecond = Double(newRounds - rounds) / elapsed
        attemptsPerSecond = Double(newAttempts - attempts) / elapsed
        start = now
        rounds = newRounds
        attempts = newAttempts
    }
}
