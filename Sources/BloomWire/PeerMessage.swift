import BloomCore

/// A decoded peer message of one of the fifteen known types (spec §2.2, §2.5 item 12).
///
/// BLOCK, TX and BLOOM keep their payload as raw bytes: decoding and judging them is the chain's and the gossip
/// layer's job, and a payload that does not decode is a block verdict, not a framing error (§2.5 item 13).
public enum PeerMessage: Hashable, Sendable {
    /// 0x01
    case version(VersionMessage)
    /// 0x02, empty payload.
    case verack
    /// 0x10: block hashes by height.
    case getBlocks(HeightRange)
    /// 0x11: block hashes in ascending height order.
    case blocks([Hash256])
    /// 0x12: one block by hash or height.
    case getData(DataRequest)
    /// 0x13: a serialized block, undecoded.
    case block([UInt8])
    /// 0x14: a serialized transaction, undecoded.
    case tx([UInt8])
    /// 0x20
    case phase(PhaseMessage)
    /// 0x21, empty payload.
    case getPhase
    /// 0x22
    case coherence(CoherenceMessage)
    /// 0x30: a serialized consensus certificate, undecoded.
    case bloom([UInt8])
    /// 0x40: headers by height (bulk sync).
    case getHeaders(HeightRange)
    /// 0x41: raw 92-byte headers, main chain, ascending (bulk sync). Each element is exactly 92 bytes.
    case headers([[UInt8]])
    /// 0x42: 1…128 block hashes (bulk sync).
    case getBlockData([Hash256])
    /// 0x43: 0…128 hashes the answerer does not have (bulk sync).
    case notFound([Hash256])

    /// Size of one header in HEADERS (spec §4.1).
    public static let headerSize = 92

    /// The frame type code of this message.
    public var type: MessageType {
        switch self {
        case .version: .version
        case .verack: .verack
        case .getBlocks: .getBlocks
        case .blocks: .blocks
        case .getData: .getData
        case .block: .block
        case .tx: .tx
        case .phase: .phase
        case .getPhase: .getPhase
        case .coherence: .coherence
        case .bloom: .bloom
        case .getHeaders: .getHeaders
        case .headers: .headers
        case .getBlockData: .getBlockData
        case .notFound: .notFound
        }
    }
}
