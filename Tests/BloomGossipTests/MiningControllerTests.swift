import BloomCore
import BloomGossip
import BloomTestSupport
import Testing

@Suite(.dedicatedThread) struct MiningControllerTests {
    static let tip = TipUpdate(height: 9, hash: Fixtures.hash(0x11))

    /// Steps until something other than a plain round happens (or the limit).
    static func runUntilEvent(_ controller: inout MiningController, from start: Double = 0, limit: Int = 20_000)
        -> (MiningStep, Double)?
    {
        for round in 0..<limit {
            let now = start + Double(round) * 0.001
            let step = controller.step(now: now)
            if step != .round { return (step, now) }
        }
        return nil
    }

    @Test func mining_withQuickSettings_sealsACertificateThatVerifies() throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration())
        controller.tipChanged(Self.tip)
        #expect(controller.isMining)
        let (step, _) = try #require(Self.runUntilEvent(&controller))
        guard case .sealed(let block) = step else {
            Issue.record("expected a seal, got \(step)")
            return
        }
        #expect(block.certificate.verify() == nil)
        #expect(block.prevHash == Self.tip.hash)
        #expect(block.height == Self.tip.height + 1)
        #expect(block.oscillatorCount == 63)
        #expect(block.r == block.certificate.rValues.last)
        #expect(Double(block.r) >= BloomConstants.zC)
        #expect(block.nonce == KuramotoMiner.nonce(forAttempt: 0))
        // The certificate round-trips through its wire form.
        #expect(try ConsensusCertificate(decoding: block.certificate.encoded()) == block.certificate)
    }

    @Test func withoutMine_orWithoutTip_bloomsAreNotSealed() throws {
        var idle = try MiningController(configuration: MiningConfiguration(miner: .quick, mine: false))
        idle.tipChanged(Self.tip)
        #expect(!idle.isMining)
        #expect(Self.runUntilEvent(&idle)?.0 == .bloomSkipped(.notMining))
        var noTip = try MiningController(configuration: Fixtures.miningConfiguration())
        #expect(!noTip.isMining)
        #expect(Self.runUntilEvent(&noTip)?.0 == .bloomSkipped(.notMining))
    }

    @Test func newTip_restartsTheAttemptFromItsSeed() throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration())
        controller.tipChanged(Self.tip)
        let initial = controller.snapshot().phases
        for _ in 0..<50 { _ = controller.step(now: 0) }
        #expect(controller.snapshot().phases != initial)
        let attempts = controller.attemptsStarted
        controller.tipChanged(TipUpdate(height: 10, hash: Fixtures.hash(0x12)))
        #expect(controller.snapshot().phases == initial)
        #expect(controller.miner.attempt == 0)
        #expect(controller.attemptsStarted == attempts + 1)
        // The same tip again changes nothing.
        _ = controller.step(now: 0)
        let moved = controller.snapshot().phases
        controller.tipChanged(TipUpdate(height: 10, hash: Fixtures.hash(0x12)))
        #expect(controller.snapshot().phases == moved)
    }

    @Test func oneSealPerTip_andTheMinimumIntervalBetweenSeals() throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration(minBlockInterval: 60))
        controller.tipChanged(Self.tip)
        let (first, sealedAt) = try #require(Self.runUntilEvent(&controller))
        guard case .sealed = first else {
            Issue.record("expected a seal, got \(first)")
            return
        }
        // The ensemble keeps running on the same tip; its next bloom is not sealed again.
        let (again, _) = try #require(Self.runUntilEvent(&controller, from: sealedAt))
        #expect(again == .bloomSkipped(.alreadySealedThisTip))
        // A new tip within the interval: the bloom is held back.
        controller.tipChanged(TipUpdate(height: 10, hash: Fixtures.hash(0x12)))
        let (tooSoon, _) = try #require(Self.runUntilEvent(&controller, from: sealedAt + 1, limit: 20_000))
        guard case .bloomSkipped(.tooSoon(let remaining)) = tooSoon else {
            Issue.record("expected tooSoon, got \(tooSoon)")
            return
        }
        #expect(remaining > 0 && remaining <= 60)
        // After the interval, a new tip seals again.
        controller.tipChanged(TipUpdate(height: 11, hash: Fixtures.hash(0x13)))
        let (later, _) = try #require(Self.runUntilEvent(&controller, from: sealedAt + 61))
        guard case .sealed(let block) = later else {
            Issue.record("expected a seal, got \(later)")
            return
        }
        #expect(block.height == 12)
    }

    @Test func sealNotAnsweredByANewTip_isTakenAsLost_andTheSameTipIsSealedAgain() throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration(minBlockInterval: 1))
        controller.tipChanged(Self.tip)
        let (first, sealedAt) = try #require(Self.runUntilEvent(&controller))
        guard case .sealed(let block) = first else {
            Issue.record("expected a seal, got \(first)")
            return
        }
        // Within the timeout the tip's seal stands.
        let (held, _) = try #require(Self.runUntilEvent(&controller, from: sealedAt + 2))
        #expect(held == .bloomSkipped(.alreadySealedThisTip))
        // Past it, with still no new tip, the tip is sealed again.
        let (again, _) = try #require(
            Self.runUntilEvent(&controller, from: sealedAt + MiningController.lostSealTimeout + 1)
        )
        guard case .sealed(let resealed) = again else {
            Issue.record("expected a second seal on the same tip, got \(again)")
            return
        }
        #expect(resealed.prevHash == block.prevHash)
        #expect(resealed.height == block.height)
    }

    @Test func incorporate_movesTheEnsembleTowardThePeerPhases() throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration())
        let local = controller.snapshot().phases
        let peer = Fixtures.bunched(63)
        try controller.incorporate(peer, weight: 0.1)
        let expected = try PhaseMixing.incorporatePeerPhases(local: local, peer: peer, weight: 0.1)
        #expect(controller.snapshot().phases == expected)
        #expect(throws: PhaseMixingError.self) { try controller.incorporate(peer, weight: 1.5) }
    }
}

@Suite(.serialized) struct EnsembleThreadTests {
    @Test func thread_mining_deliversASealAndPublishesStatus_thenStops() async throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration())
        controller.tipChanged(TipUpdate(height: 1, hash: Fixtures.hash(0x21)))
        let (stream, continuation) = AsyncStream<EnsembleThread.Event>.makeStream()
        let start = ContinuousClock.now
        let thread = EnsembleThread(
            controller: controller,
            clock: { (ContinuousClock.now - start) / .seconds(1) },
            onEvent: { continuation.yield($0) }
        )
        thread.start()
        defer { thread.stopAndWait() }
        let block = try await Self.firstSeal(in: stream)
        let status = thread.status
        #expect(block.certificate.verify() == nil)
        #expect(status.mining)
        #expect(status.rounds > 0)
    }

    @Test func idleSchedule_wakesTenTimesASecond_andKeepsTheRoundRate() {
        let standard = EnsembleThread.idleSchedule(roundsPerSecond: 100)
        #expect(standard.rounds == 10)
        #expect(abs(standard.period - 0.1) < 1e-12)
        // Slower than one round a wake: one round a wake, the period stretched to keep the rate.
        let slow = EnsembleThread.idleSchedule(roundsPerSecond: 4)
        #expect(slow.rounds == 1)
        #expect(abs(slow.period - 0.25) < 1e-12)
        // Nonsense rates are clamped to one round a second.
        for rate in [0.0, -5, .nan] {
            let clamped = EnsembleThread.idleSchedule(roundsPerSecond: rate)
            #expect(clamped.rounds == 1 && clamped.period == 1, "rate \(rate)")
        }
    }

    @Test func thread_idle_publishesAfterWholeBatches_andStopsWhenAsked() async throws {
        let controller = try MiningController(configuration: Fixtures.miningConfiguration())
        #expect(!controller.isMining)
        let batch = EnsembleThread.idleSchedule(roundsPerSecond: controller.configuration.idleRoundsPerSecond).rounds
        let thread = EnsembleThread(controller: controller, clock: { 0 }, onEvent: { _ in })
        thread.start()
        try await withHangGuard(seconds: 120) {
            while thread.status.rounds < 3 * batch { try await Task.sleep(for: .milliseconds(20)) }
        }
        let status = thread.status
        #expect(!status.mining)
        #expect(status.rounds % batch == 0, "published after \(status.rounds) rounds")
        thread.stopAndWait()
        let stoppedAt = thread.status.rounds
        try await Task.sleep(for: .milliseconds(300))
        #expect(thread.status.rounds == stoppedAt, "no round after the stop")
    }

    @Test func thread_neverStarted_stopsAtOnce() throws {
        let controller = try MiningController(configuration: Fixtures.miningConfiguration())
        let thread = EnsembleThread(controller: controller, clock: { 0 }, onEvent: { _ in })
        thread.stopAndWait()
        #expect(thread.status.rounds == 0)
    }

    @Test func thread_newTipPosted_isMinedOn() async throws {
        let controller = try MiningController(configuration: Fixtures.miningConfiguration())
        let (stream, continuation) = AsyncStream<EnsembleThread.Event>.makeStream()
        let start = ContinuousClock.now
        let thread = EnsembleThread(
            controller: controller,
            clock: { (ContinuousClock.now - start) / .seconds(1) },
            onEvent: { continuation.yield($0) }
        )
        thread.start()
        defer { thread.stopAndWait() }
        let tip = TipUpdate(height: 7, hash: Fixtures.hash(0x31))
        thread.post(tip: tip)
        let sealed = try await Self.firstSeal(in: stream)
        #expect(sealed.prevHash == tip.hash)
        #expect(sealed.height == 8)
    }

    @Test func thread_afterASeal_reportsEachSkipReasonOnce_notEveryRound() async throws {
        var controller = try MiningController(configuration: Fixtures.miningConfiguration())
        controller.tipChanged(TipUpdate(height: 2, hash: Fixtures.hash(0x41)))
        let skipped = Locked(0)
        let (stream, continuation) = AsyncStream<EnsembleThread.Event>.makeStream()
        let thread = EnsembleThread(
            controller: controller,
            clock: { 0 },  // frozen: every later bloom on this tip is "already sealed"
            onEvent: { event in
                if case .bloomSkipped = event { skipped.withLock { $0 += 1 } }
                continuation.yield(event)
            }
        )
        thread.start()
        defer { thread.stopAndWait() }
        _ = try await Self.firstSeal(in: stream)
        // Once coherent, the ensemble blooms again nearly every round; let it run thousands of them.
        let after = thread.status.rounds
        try await withHangGuard(seconds: 120) {
            while thread.status.rounds < after + 20_000 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(skipped.withLock { $0 } <= 1, "one report per reason, not one per round")
    }

    /// The first seal the thread reports; a thread that never seals fails the test instead of hanging it.
    static func firstSeal(in stream: AsyncStream<EnsembleThread.Event>) async throws -> SealedBlock {
        let sealed = try await withHangGuard(seconds: 120) { () async -> SealedBlock? in
            for await event in stream {
                if case .sealed(let block) = event { return block }
            }
            return nil
        }
        return try #require(sealed, "the event stream ended without a seal")
    }
}
