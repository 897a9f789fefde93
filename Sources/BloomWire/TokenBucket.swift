/// A token bucket's parameters: how many messages may arrive at once, and how fast the allowance refills.
public struct RateLimit: Hashable, Sendable {
    /// Tokens in a full bucket.
    public var burst: Double
    /// Tokens added per second, up to `burst`.
    public var refillPerSecond: Double

    /// A limit of `burst` messages at once, refilled at `refillPerSecond`.
    public init(burst: Double, refillPerSecond: Double) {
        self.burst = burst
        self.refillPerSecond = refillPerSecond
    }

    /// PHASE: the seed's 60 a minute, as burst 60, refill 1 a second (spec §2.5 item 13, §9).
    public static let phase = RateLimit(burst: 60, refillPerSecond: 1)
    /// Block requests (GETBLOCKS, unsolicited GETDATA): the seed's 10 a minute, burst 10, refill 1 every 6 s.
    public static let blockRequests = RateLimit(burst: 10, refillPerSecond: 1.0 / 6.0)
    /// Unknown message types: ignored, but a flood of them still costs points; burst 60, refill 1 a second.
    public static let unknownTypes = RateLimit(burst: 60, refillPerSecond: 1)
}

/// A per-peer token bucket driven by an injected clock (seconds as `Double`, any monotonic origin), so tests
/// need no sleeping and the owner decides where time comes from.
public struct TokenBucket: Hashable, Sendable {
    /// The bucket's parameters.
    public let limit: RateLimit
    /// Tokens available at ``lastRefill``.
    public private(set) var tokens: Double
    /// Clock value of the last refill.
    public private(set) var lastRefill: Double

    /// A full bucket at time `now`.
    public init(limit: RateLimit, now: Double) {
        self.limit = limit
        self.tokens = limit.burst
        self.lastRefill = now
    }

    /// A full bucket with explicit parameters.
    public init(burst: Double, refillPerSecond: Double, now: Double) {
        self.init(limit: RateLimit(burst: burst, refillPerSecond: refillPerSecond), now: now)
    }

    /// Takes one token if there is one.
    /// - Parameter now: The current clock value; a clock that goes backwards adds nothing.
    /// - Returns: true if the message is within the limit, false if it breaches it (drop it, add a point).
    public mutating func tryConsume(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Tokens available at `now`, without taking any.
    public func available(now: Double) -> Double {
        var copy = self
        copy.refill(now: now)
        return copy.tokens
    }

    private mutating func refill(now: Double) {
        let elapsed = now - lastRefill
        guard elapsed > 0 else { return }
        tokens = min(limit.burst, tokens + elapsed * limit.refillPerSecond)
        lastRefill = now
    }
}
