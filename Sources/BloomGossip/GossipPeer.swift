/// A peer as bloom-gossip knows it: the bus's u64 peer id (DESIGN.md, "Peer id": replica (8 bits) | replica boot
/// id (24 bits) | counter (32 bits)). Kept as a plain value so the logic needs no bus library.
public struct GossipPeer: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The u64 peer id.
    public var raw: UInt64

    /// The peer with bus id `raw`.
    public init(_ raw: UInt64) { self.raw = raw }

    /// The bloom-net replica that holds the connection (top 8 bits).
    public var replica: UInt8 { UInt8(truncatingIfNeeded: raw >> 56) }

    /// 16 lowercase hex digits, as JSON carries peer ids.
    public var hex: String {
        let digits = String(raw, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// The hex form.
    public var description: String { hex }

    /// Orders by raw id, so reports list peers in a stable order.
    public static func < (lhs: GossipPeer, rhs: GossipPeer) -> Bool { lhs.raw < rhs.raw }
}
