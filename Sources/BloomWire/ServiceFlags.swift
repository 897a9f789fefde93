/// The `services` bit field of the VERSION extension (spec §2.5 item 2).
///
/// Reserved bits are kept as received (so a VERSION re-encodes byte for byte) but never acted on.
public struct ServiceFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The u64 as sent on the wire.
    public var rawValue: UInt64

    /// Flags from the wire value, reserved bits included.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Bit 0: understands the escape frame for payloads of 65535 bytes or more (§2.5 item 3).
    public static let largeFrames = ServiceFlags(rawValue: 1 << 0)
    /// Bit 1: answers GETBLOCKS and GETDATA (§2.5 items 4–5).
    public static let blockServe = ServiceFlags(rawValue: 1 << 1)
    /// Bit 2: speaks GETHEADERS / HEADERS / GETBLOCKDATA / NOTFOUND (§2.5 item 12).
    public static let bulkSync = ServiceFlags(rawValue: 1 << 2)

    /// What this node advertises: all three bits (value 7).
    public static let node: ServiceFlags = [.largeFrames, .blockServe, .bulkSync]

    /// The flags a peer is treated as having.
    ///
    /// `BULK_SYNC` without `LARGE_FRAMES` is ignored, because HEADERS and BLOCK answers can exceed 65535 bytes
    /// and could not be framed for such a peer (§2.5 item 12). Reserved bits are dropped.
    public var effective: ServiceFlags {
        var flags = intersection(.node)
        if flags.contains(.bulkSync) && !flags.contains(.largeFrames) {
            flags.remove(.bulkSync)
        }
        return flags
    }

    /// The flag with the spec's name (`LARGE_FRAMES`, `BLOCK_SERVE`, `BULK_SYNC`), nil for any other string.
    public init?(specName: String) {
        switch specName {
        case "LARGE_FRAMES": self = .largeFrames
        case "BLOCK_SERVE": self = .blockServe
        case "BULK_SYNC": self = .bulkSync
        default: return nil
        }
    }

    /// The set bits by spec name, e.g. `[LARGE_FRAMES, BULK_SYNC]`.
    public var description: String {
        var names: [String] = []
        if contains(.largeFrames) { names.append("LARGE_FRAMES") }
        if contains(.blockServe) { names.append("BLOCK_SERVE") }
        if contains(.bulkSync) { names.append("BULK_SYNC") }
        let reserved = rawValue & ~ServiceFlags.node.rawValue
        if reserved != 0 { names.append("reserved(0x\(String(reserved, radix: 16)))") }
        return "[" + names.joined(separator: ", ") + "]"
    }
}
