/// bloom-net's logic: the only part of the node that talks TCP to peers (issue 4, spec §2, §9).
///
/// ## Pieces
///
/// | type | role |
/// |---|---|
/// | ``PeerConnection`` | one connection's protocol state: handshake, large frames, limits, points (pure value) |
/// | ``BanList`` | banned IPs with expiry, `<data-dir>/bans.json` by atomic rename |
/// | ``OutboundPlanner`` | which addresses to dial: /16 diversity, the replica split (pure) |
/// | ``NetNode`` | SwiftNIO listener and dialer on one event loop; owns every ``PeerConnection`` |
/// | ``NetBusBridge`` | ``NetEvent``s → bus topics; `p2p.out`, `p2p.ctl`, `chain.tip`, `gossip.score` → node |
///
/// ## Connection rules
///
/// | rule | value |
/// |---|---|
/// | first frame, either direction | our VERSION (28 bytes, services 7) |
/// | usable after | our VERSION sent and a VERSION or VERACK received |
/// | handshake timeout | 10 s (`--handshake-timeout`) |
/// | idle timeout | 900 s without a frame; TCP keepalive 60 s + 6 × 10 s |
/// | receive buffer | one maximal frame (65,538 bytes, or 1 MiB + 7 with large frames) |
/// | send queue | `p2p.flow` full above 1 MiB, open below 256 KiB; above 8 MiB the peer is dropped |
/// | answers (bulk flag) | 256 KiB in the channel, the rest queued behind relays; written bytes reported (`p2p.flow written`); 16 MiB for all peers, past it a peer over its share is dropped |
/// | PHASE / block requests / unknown types / GETHEADERS | 60 a minute / 10 a minute / 60 a minute / 10 a second |
/// | GETDATA for offered blocks / GETBLOCKDATA blocks | ≤ 500 / ≤ 1024 outstanding |
/// | misbehaviour | one point per violation or breach; 10 → disconnect and ban the IP for `--ban-time` |
/// | connections | 8 outbound (split between replicas), 117 inbound per replica, one per address; when full, the oldest inbound connection still in its handshake is evicted for a newcomer |
/// | same address | IP + advertised listen port; a mutual dial keeps the connection started by the lower (ip, port) |
///
/// Anything else a peer sends is judged by BloomWire's ``BloomWire/MessageClassifier``.
public enum BloomNet {}
