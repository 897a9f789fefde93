/// The BloomCoin peer protocol: frames and message payloads (spec §2), with no sockets.
///
/// ## Frames
///
/// `u8 type, u16 LE length, payload`, back to back, no magic, no checksum. On a connection where **both** sides
/// advertised `LARGE_FRAMES`, `length = 0xFFFF` always announces the escape form
/// `u8 type, u16 0xFFFF, u32 LE real_length, payload` (real_length 0…1 MiB); elsewhere 0xFFFF is a plain
/// 65535-byte payload. ``FrameDecoder`` cuts the stream (from each read buffer in place: only an incomplete
/// frame's bytes are kept between reads), ``FrameEncoder`` builds one contiguous array per frame,
/// ``MessageClassifier`` turns a frame into an action.
///
/// ## Messages (all integers little-endian)
///
/// | Code | Name | Payload | Direction | Accepted when |
/// |---|---|---|---|---|
/// | 0x01 | VERSION | u32 ver, u32 height, u64 time, u32 port, [u64 services] | both, first | ≥ 20 bytes (1) |
/// | 0x02 | VERACK | empty | answer to the first VERSION | always (bytes ignored) |
/// | 0x10 | GETBLOCKS | u32 start, u32 count | to `BLOCK_SERVE` peers | ≥ 8 bytes (rest ignored) |
/// | 0x11 | BLOCKS | u32 n, n × hash32 | answer to GETBLOCKS | ≥ 4 bytes and the n hashes present |
/// | 0x12 | GETDATA | hash32, or u32 height | to `BLOCK_SERVE` peers | exactly 32 or 4 bytes |
/// | 0x13 | BLOCK | serialized block (raw) | answer / relay | always (the chain judges the bytes) |
/// | 0x14 | TX | serialized transaction (raw) | relay | always (the mempool judges the bytes) |
/// | 0x20 | PHASE | f32 r, f32 psi, u32 n, n × f32 | gossip, GETPHASE answer | (2) |
/// | 0x21 | GETPHASE | empty | any | always (bytes ignored) |
/// | 0x22 | COHERENCE | f32 r, f32 psi | gossip | ≥ 8, finite, r ∈ [0, 1] |
/// | 0x30 | BLOOM | serialized certificate (raw) | gossip | always (gossip verifies it) |
/// | 0x40 | GETHEADERS | u32 start, u32 count | `BULK_SYNC` peers only | exactly 8 bytes |
/// | 0x41 | HEADERS | u32 n, n × 92-byte header | answer to GETHEADERS | n ≤ 2000, length = 4 + 92n |
/// | 0x42 | GETBLOCKDATA | u32 n, n × hash32 | `BULK_SYNC` peers only | 1 ≤ n ≤ 128, length = 4 + 32n |
/// | 0x43 | NOTFOUND | u32 n, n × hash32 | answer to GETBLOCKDATA | n ≤ 128, length = 4 + 32n |
///
/// (1) services only when ≥ 28 bytes (20–27: none); later bytes ignored. (2) checked in this order: ≥ 12 bytes
/// (`too_short`), 1 ≤ n ≤ 9999 (`n_out_of_range`), ≥ 12 + 4n bytes (`truncated`), r, psi, phases finite
/// (`non_finite`), r ∈ [0, 1] (`r_out_of_range`); later bytes ignored.
///
/// Services (VERSION offset 20): bit 0 `LARGE_FRAMES`, bit 1 `BLOCK_SERVE`, bit 2 `BULK_SYNC` (ignored without
/// bit 0); this node sends 7. The four bulk-sync types are legal only from a peer whose effective services
/// contain `BULK_SYNC`.
///
/// ## Anything else
///
/// | Input | Action |
/// |---|---|
/// | unknown type code | ignore (no point; the unknown-type rate limit still applies) |
/// | malformed payload of a known type (any rule above broken) | protocol_violation: drop, one point |
/// | bulk-sync type from a peer without effective `BULK_SYNC` | protocol_violation |
/// | escape header with real_length > 1 MiB | disconnect |
/// | end of stream inside a frame | disconnect |
/// | rate limit breached (``RateLimit``) | drop, one point |
/// | 10 points on one connection (``MisbehaviourScore``) | disconnect and ban |
///
/// Handshake ordering (frames before VERSION/VERACK cost a point; a second VERSION is ignored) is connection
/// state and lives with the connection, which uses these types.
public enum BloomWire {
    /// The services this node advertises in its VERSION.
    public static let nodeServices = ServiceFlags.node
}
