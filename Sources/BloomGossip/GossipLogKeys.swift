/// Metadata keys of bloom-gossip's log lines, in one place so that log queries can rely on them.
public enum GossipLogKeys {
    /// A peer id (16 hex digits).
    public static let peer = "bloom.peer.id"
    /// Misbehaviour points sent to bloom-net.
    public static let points = "bloom.points"
    /// Why something was done or refused.
    public static let reason = "bloom.reason"
    /// A block height.
    public static let height = "bloom.height"
    /// A header nonce.
    public static let nonce = "bloom.nonce"
    /// A bus topic.
    public static let topic = "bloom.bus.topic"
    /// An error.
    public static let error = "bloom.error"
    /// Whether the node mines.
    public static let mine = "bloom.mine"
}
