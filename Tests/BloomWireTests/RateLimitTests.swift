import BloomTestSupport
import Testing

@testable import BloomWire

@Suite(.dedicatedThread) struct RateLimitTests {
    /// Takes `count` tokens at `now` and returns how many were granted.
    static func take(_ count: Int, from bucket: inout TokenBucket, at now: Double) -> Int {
        var granted = 0
        for _ in 0..<count where bucket.tryConsume(now: now) { granted += 1 }
        return granted
    }

    @Test func phaseBucket_allowsBurst60_thenOneASecond() {
        var bucket = TokenBucket(limit: .phase, now: 100)
        #expect(Self.take(61, from: &bucket, at: 100) == 60)
        #expect(Self.take(1, from: &bucket, at: 100.5) == 0)
        #expect(Self.take(2, from: &bucket, at: 101) == 1)
    }

    @Test func blockRequestBucket_allowsBurst10_thenOneEverySixSeconds() {
        var bucket = TokenBucket(limit: .blockRequests, now: 0)
        #expect(Self.take(11, from: &bucket, at: 0) == 10)
        #expect(Self.take(1, from: &bucket, at: 5.9) == 0)
        #expect(Self.take(2, from: &bucket, at: 6.0001) == 1)
    }

    @Test func bucket_refillsOnlyUpToBurst() {
        var bucket = TokenBucket(burst: 3, refillPerSecond: 1, now: 0)
        #expect(Self.take(1, from: &bucket, at: 0) == 1)
        #expect(bucket.available(now: 1_000_000) == 3)
        #expect(Self.take(4, from: &bucket, at: 1_000_000) == 3)
    }

    @Test func bucket_clockGoingBackwards_addsNothing() {
        var bucket = TokenBucket(limit: .unknownTypes, now: 50)
        #expect(Self.take(60, from: &bucket, at: 50) == 60)
        #expect(Self.take(1, from: &bucket, at: 10) == 0)
        #expect(Self.take(1, from: &bucket, at: 50.5) == 0)
        #expect(Self.take(1, from: &bucket, at: 51) == 1)
    }

    @Test func limits_matchTheSpec() {
        #expect(RateLimit.phase == RateLimit(burst: 60, refillPerSecond: 1))
        #expect(RateLimit.unknownTypes == RateLimit(burst: 60, refillPerSecond: 1))
        #expect(RateLimit.blockRequests.burst == 10)
        #expect(RateLimit.blockRequests.refillPerSecond * 6 == 1)
    }

    @Test func misbehaviour_tenPointsBan() {
        var score = MisbehaviourScore()
        var bannedEarly = false
        for _ in 0..<9 where score.add() { bannedEarly = true }
        #expect(!bannedEarly)
        #expect(score.points == 9)
        let banned = score.add()
        #expect(banned && score.shouldBan)
        var other = MisbehaviourScore()
        other.add(-5)
        #expect(other.points == 0)
        other.add(Int.max)
        other.add(Int.max)
        #expect(other.points == Int.max && other.shouldBan)
    }
}
