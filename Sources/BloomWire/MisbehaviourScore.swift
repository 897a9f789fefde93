/// A connection's misbehaviour points (spec §2.5 item 13): one per protocol violation or limit breach, more for
/// invalid blocks at the node's choice; 10 in one connection, from any cause → disconnect and ban the address.
public struct MisbehaviourScore: Hashable, Sendable {
    /// Points at which the peer is disconnected and banned.
    public static let banThreshold = 10

    /// Points so far on this connection.
    public private(set) var points = 0

    /// A fresh connection: no points.
    public init() {}

    /// True once the ban threshold is reached.
    public var shouldBan: Bool { points >= Self.banThreshold }

    /// Adds points (negative values are ignored: points are never forgiven within a connection).
    /// - Returns: ``shouldBan`` after adding, so the caller can disconnect at once.
    @discardableResult
    public mutating func add(_ count: Int = 1) -> Bool {
        if count > 0 {
            let (sum, overflow) = points.addingReportingOverflow(count)
            points = overflow ? Int.max : sum
        }
        return shouldBan
    }
}
