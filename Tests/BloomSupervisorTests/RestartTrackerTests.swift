import BloomTestSupport
import Testing

@testable import BloomSupervisor

@Suite(.dedicatedThread) struct RestartTrackerTests {
    @Test func decide_whenCrashesRepeat_delayDoublesUpToTheMaximum() {
        var policy = RestartPolicy()
        policy.maxRestarts = 100
        var tracker = RestartTracker(policy: policy)
        var delays: [Double] = []
        for step in 0..<12 {
            guard case .restart(let delay) = tracker.decide(exit: .exited(1), readySince: nil, now: Double(step) * 100)
            else {
                Issue.record("expected a restart")
                return
            }
            delays.append(delay)
        }
        #expect(delays.prefix(4) == [0.1, 0.2, 0.4, 0.8])
        #expect(delays.last == policy.backoffMax)
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $1 == min($0 * 2, policy.backoffMax) })
    }

    @Test func decide_whenMoreThanMaxRestartsInTheWindow_fails() {
        var tracker = RestartTracker(policy: RestartPolicy())
        for step in 0..<5 {
            #expect(tracker.decide(exit: .signaled(9), readySince: nil, now: Double(step)) != .fail(reason: "", retryAfter: nil))
            if case .fail = tracker.decide(exit: .signaled(9), readySince: nil, now: Double(step) + 0.5) {
                #expect(step == 2, "the sixth counted restart within 60 s fails")
                return
            }
        }
        Issue.record("never failed")
    }

    @Test func decide_whenRestartsAreSpreadBeyondTheWindow_neverFails() {
        var tracker = RestartTracker(policy: RestartPolicy())
        for step in 0..<20 {
            let decision = tracker.decide(exit: .exited(1), readySince: nil, now: Double(step) * 13)
            if case .fail = decision { Issue.record("failed at step \(step)") }
        }
        #expect(tracker.counted.count <= 5)
    }

    @Test func decide_afterAStableRun_resetsBackoffAndDoesNotCount() {
        var tracker = RestartTracker(policy: RestartPolicy())
        for step in 0..<4 { _ = tracker.decide(exit: .exited(1), readySince: nil, now: Double(step)) }
        #expect(tracker.nextDelay == 1.6)
        let decision = tracker.decide(exit: .exited(1), readySince: 10, now: 13)
        #expect(decision == .restart(after: 0.1))
        #expect(tracker.counted.isEmpty)
        #expect(tracker.nextDelay == 0.1)
    }

    @Test func decide_whenReadyForLessThanStable_counts() {
        var tracker = RestartTracker(policy: RestartPolicy())
        _ = tracker.decide(exit: .exited(1), readySince: 10, now: 12.9)
        #expect(tracker.counted == [12.9])
    }

    @Test func decide_onExitCode78_failsAtOnceWhateverThePolicy() {
        for mode in RestartPolicy.Mode.allCases {
            var policy = RestartPolicy()
            policy.mode = mode
            var tracker = RestartTracker(policy: policy)
            let decision = tracker.decide(exit: .exited(78), readySince: nil, now: 0)
            guard case .fail(let reason, let retryAfter) = decision else {
                Issue.record("78 must fail (\(mode))")
                continue
            }
            #expect(reason.contains("78"))
            #expect(retryAfter == nil, "a permanent failure is never retried by itself")
        }
    }

    @Test func decide_whenTheIntensityLimitFails_retriesAfterThePolicysDelayOrNever() {
        for (retryFailed, expected) in [(300.0, 300.0 as Double?), (0, nil)] {
            var policy = RestartPolicy()
            policy.retryFailed = retryFailed
            policy.maxRestarts = 1
            var tracker = RestartTracker(policy: policy)
            _ = tracker.decide(exit: .exited(1), readySince: nil, now: 0)
            guard case .fail(_, let retryAfter) = tracker.decide(exit: .exited(1), readySince: nil, now: 1) else {
                Issue.record("the second counted restart within the window must fail")
                continue
            }
            #expect(retryAfter == expected)
        }
    }

    @Test func decide_followsThePolicyMode() {
        var policy = RestartPolicy()
        policy.mode = .onFailure
        var onFailure = RestartTracker(policy: policy)
        #expect(
            onFailure.decide(exit: .exited(0), readySince: nil, now: 0)
                == .stay(reason: "exited cleanly (policy on-failure)")
        )
        #expect(onFailure.decide(exit: .signaled(11), readySince: nil, now: 1) == .restart(after: 0.1))
        policy.mode = .never
        var never = RestartTracker(policy: policy)
        #expect(never.decide(exit: .signaled(9), readySince: nil, now: 0) == .stay(reason: "restart policy is never"))
    }

    @Test func reset_forgetsCountAndBackoff() {
        var tracker = RestartTracker(policy: RestartPolicy())
        for step in 0..<6 { _ = tracker.decide(exit: .exited(1), readySince: nil, now: Double(step)) }
        tracker.reset()
        #expect(tracker.decide(exit: .exited(1), readySince: nil, now: 7) == .restart(after: 0.1))
    }
}
