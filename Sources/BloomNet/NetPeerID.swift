/// A peer connection's id (DESIGN.md, "Peer id"): `replica (8 bits) | replica boot id (24 bits) | counter
/// (32 bits)`, so ids are unique across the replicas of bloom-net and across restarts of one replica.
///
/// BloomBus carries the same u64 in its envelope; this type only builds and prints it.
public struct NetPeerID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The u64 as carried on the bus.
    public var rawValue: UInt64

    /// Wraps a u64 received from the bus.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The id of the `counter`-th connection of `replica` during boot `bootID` (only its low 24 bits are kept).
    public init(replica: UInt8, bootID: UInt32, counter: UInt32) {
        rawValue = UInt64(replica) << 56 | UInt64(bootID & 0x00FF_FFFF) << 32 | UInt64(counter)
    }

    /// The replica that owns the connection.
    public var replica: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 56) }
    /// The owning replica's boot id (24 bits).
    public var bootID: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) & 0x00FF_FFFF }
    /// The connection counter within that boot.
    public var counter: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    /// 16 lower-case hex digits, the JSON form.
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Parses the 16-hex-digit JSON form; nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 16, let value = UInt64(hex, radix: 16) else { return nil }
        rawValue = value
    }

    /// Same as ``hex``.
    public var description: String { hex }

    /// Orders by the raw value.
    public static func < (lhs: NetPeerID, rhs: NetPeerID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Hands out peer ids for one replica boot: the counter only grows.
public struct NetPeerIDAllocator: Sendable {
    /// The replica these ids belong to.
    public let replica: UInt8
    /// The replica's boot id (low 24 bits used).
    public let bootID: UInt32
    private var counter: UInt32 = 0

    /// An allocator for `replica` during boot `bootID`.
    public init(replica: UInt8, bootID: UInt32) {
        self.replica = replica
        self.bootID = bootID
    }

    /// The next unused id. After 2^32 connections in one boot the counter wraps; a boot lasting that long
    /// would need to have accepted over 4 billion connections.
    public mutating func next() -> NetPeerID {
        counter &+= 1
        return NetPeerID(replica: replica, bootID: bootID, counter: counter)
    }
}
