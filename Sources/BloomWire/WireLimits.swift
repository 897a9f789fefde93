import BloomCore

/// Sizes and counts of the peer protocol (spec §1, §2.1, §2.5), named once so decoders, encoders and the
/// connection layer agree.
public enum WireLimits {
    /// Bytes of a plain frame header: `u8 type, u16 length`.
    public static let plainHeaderSize = 3
    /// Bytes of an escape frame header: `u8 type, u16 0xFFFF, u32 real_length`.
    public static let escapeHeaderSize = 7
    /// The `length` value that announces an escape header, on a connection where both sides sent `LARGE_FRAMES`.
    public static let escapeMarker: UInt16 = 0xFFFF
    /// Largest payload of a plain frame: the u16 `length` field (the reference's 1 MiB test can never fire).
    public static let maxPlainPayload = 65_535
    /// Largest `real_length` an escape frame may announce; anything above disconnects (§2.5 item 3).
    public static let maxMessageSize = BloomConstants.maxMessageSize

    /// PHASE accepts `1 ≤ n ≤ 9999` phases (§2.5 item 10).
    public static let maxPhaseCount = 9_999
    /// The PHASE encoder downsamples above this many phases (§7.1).
    public static let phaseDownsampleThreshold = 256
    /// Target count of a downsampled PHASE: `step = count / 64` (§7.1).
    public static let phaseDownsampleTarget = 64

    /// HEADERS carries at most this many headers; the answerer caps GETHEADERS `count` to it (§2.5 item 12).
    public static let maxHeadersPerMessage = 2_000
    /// GETBLOCKDATA asks for 1…128 hashes; NOTFOUND lists at most 128 (§2.5 item 12).
    public static let maxHashesPerBlockDataRequest = 128
    /// The answerer caps a GETBLOCKS `count` to this many heights (§2.5 item 4).
    public static let maxBlocksPerGetBlocks = 500
    /// At most this many GETDATA for offered blocks may be outstanding per peer (§2.5 item 5).
    public static let maxOutstandingOfferedGetData = 500
    /// At most this many bulk-sync blocks may be requested and not yet sent per peer (§2.5 item 12).
    public static let maxOutstandingBulkBlocks = 1_024
    /// A GETDATA for a block offered to the peer within this many seconds answers our offer (§2.5 item 5).
    public static let offeredBlockWindowSeconds = 600.0
}
