import Foundation
import NIOCore

/// Where bloom-net reads time: a monotonic clock for protocol timers and a wall clock for bans and reports.
/// Injected so tests can control both.
public struct NetClock: Sendable {
    /// Seconds on a monotonic clock (any origin).
    public var monotonic: @Sendable () -> Double
    /// Unix seconds.
    public var wall: @Sendable () -> Double

    /// A clock from two functions.
    public init(monotonic: @escaping @Sendable () -> Double, wall: @escaping @Sendable () -> Double) {
        self.monotonic = monotonic
        self.wall = wall
    }

    /// The system's clocks.
    public static let system = NetClock(
        monotonic: { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 },
        wall: { Date().timeIntervalSince1970 }
    )
}
