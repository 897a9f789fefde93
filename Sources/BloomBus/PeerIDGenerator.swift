import Synchronization

/// Hands out the peer ids of one bloom-net replica's boot: replica and boot id fixed, the counter counting up from
/// 1 (so 0, "no peer", is never produced). Thread-safe.
public final class PeerIDGenerator: Sendable {
    /// The replica whose connections get these ids.
    public let replica: UInt8
    /// The replica's boot id (24 bits), as in its ``SenderID``.
    public let bootID: UInt32
    private let counter = Atomic<UInt32>(0)

    /// A generator for `sender`'s replica and boot.
    public init(sender: SenderID) {
        replica = sender.replica
        bootID = sender.bootID
    }

    /// The next id. After 2^32 − 1 connections in one boot the counter wraps past 0 (a replica restarts long before).
    public func next() -> PeerID {
        var value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        if value == 0 { value = counter.wrappingAdd(1, ordering: .relaxed).newValue }
        return PeerID(replica: replica, bootID: bootID, counter: value)
    }
}
