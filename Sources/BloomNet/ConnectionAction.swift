import BloomWire

/// What the owner of a ``PeerConnection`` must do after an event. The state machine performs no I/O.
public enum ConnectionAction: Hashable, Sendable {
    /// Write these bytes, one whole frame, in one write.
    case send([UInt8])
    /// The handshake just completed (we sent VERSION and received VERSION or VERACK): announce the peer.
    case handshakeCompleted
    /// The peer's first valid VERSION (it may come after the handshake completed through a VERACK).
    case peerVersion(VersionMessage)
    /// An accepted frame after the handshake: hand it to the bus (`p2p.in.<TYPE>`).
    case deliver(Frame)
    /// A message was dropped and cost points (logged; the score is in ``PeerConnection/points``).
    case penalised(points: Int, reason: String)
    /// A message was dropped at no cost (unknown type, second VERSION, …).
    case ignored(String)
    /// A frame we were asked to send was not sent (too large for this peer, or a type it does not speak).
    case notSent(String)
    /// Close the connection; if `reason.bans`, ban the peer's IP.
    case disconnect(DisconnectReason)
}
