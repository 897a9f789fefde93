import BloomCore

/// The fixed binary header at the start of every bus message's second frame (`[topic][envelope ‖ payload]`).
///
/// Defined once, here. Layout (little-endian, 36 bytes):
///
/// | offset | size | field | rule |
/// | --- | --- | --- | --- |
/// | 0 | 1 | magic | 0xB1 |
/// | 1 | 1 | version | 1 (any other: rejected, `invalidValue`) |
/// | 2 | 1 | kind | 1 event, 2 request, 3 reply |
/// | 3 | 1 | sender service | ``ServiceKind`` raw value |
/// | 4 | 1 | sender replica | |
/// | 5 | 1 | reserved | 0 |
/// | 6 | 2 | flags | ``Flags``; unknown bits are kept, not rejected |
/// | 8 | 4 | sender boot id | ≤ 0xFFFFFF |
/// | 12 | 8 | sequence | per (publisher, topic), from 1, never 0 |
/// | 20 | 8 | peer id | ``PeerID``; 0 = none |
/// | 28 | 8 | request id | 0 = none; a reply repeats its request's |
///
/// The sequence number lets receivers count drops: a PUB socket silently drops past its high-water mark, so
/// receivers compare consecutive sequence numbers (``GapCounter``). It counts per topic because subscribers see only
/// the topics they subscribed to; a prefix subscription still sees every message of each topic it matches.
public struct Envelope: Hashable, Sendable {
    /// What the message is.
    public enum Kind: UInt8, Hashable, Sendable {
        /// Something happened (most topics).
        case event = 1
        /// A question that expects a ``reply`` with the same request id (`svc.query.<service>`).
        case request = 2
        /// The answer to a request (`svc.reply`).
        case reply = 3
    }

    /// Per-message flags.
    public struct Flags: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// A reply that reports a failure (its payload says which).
        public static let error = Flags(rawValue: 1 << 0)
        /// `p2p.out`: the answer to a peer's request (HEADERS, BLOCKS, a requested BLOCK…). bloom-net sends it behind
        /// relays and within the peer's bulk budget (issue 15: a relay never waits behind bulk answers).
        public static let bulk = Flags(rawValue: 1 << 1)
    }

    /// Size of the encoded envelope.
    public static let size = 36
    /// First byte of every envelope: rejects frames that are not ours early.
    public static let magic: UInt8 = 0xB1
    /// The layout version written here.
    public static let version: UInt8 = 1

    /// What the message is.
    public var kind: Kind
    /// Per-message flags.
    public var flags: Flags
    /// Who published it.
    public var sender: SenderID
    /// Set by the publishing ``BusClient``; callers leave it 0.
    public var sequence: UInt64
    /// The peer the message is about (`p2p.in.*`, `p2p.out` targets are in the payload); nil for none.
    public var peerID: PeerID?
    /// Pairs a reply with its request; 0 for none.
    public var requestID: UInt64

    /// An envelope; publishers leave `sequence` at 0 (the client sets it).
    public init(
        kind: Kind = .event,
        flags: Flags = [],
        sender: SenderID,
        sequence: UInt64 = 0,
        peerID: PeerID? = nil,
        requestID: UInt64 = 0
    ) {
        self.kind = kind
        self.flags = flags
        self.sender = sender
        self.sequence = sequence
        self.peerID = peerID
        self.requestID = requestID
    }

    /// Writes the 36 bytes at the start of `buffer` (precondition: at least ``size`` bytes).
    public func write(to buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size, "envelope needs \(Self.size) bytes")
        buffer.storeBytes(of: Self.magic, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: Self.version, toByteOffset: 1, as: UInt8.self)
        buffer.storeBytes(of: kind.rawValue, toByteOffset: 2, as: UInt8.self)
        buffer.storeBytes(of: sender.service.rawValue, toByteOffset: 3, as: UInt8.self)
        buffer.storeBytes(of: sender.replica, toByteOffset: 4, as: UInt8.self)
        buffer.storeBytes(of: 0, toByteOffset: 5, as: UInt8.self)
        buffer.storeBytes(of: flags.rawValue.littleEndian, toByteOffset: 6, as: UInt16.self)
        buffer.storeBytes(of: sender.bootID.littleEndian, toByteOffset: 8, as: UInt32.self)
        buffer.storeBytes(of: sequence.littleEndian, toByteOffset: 12, as: UInt64.self)
        buffer.storeBytes(of: (peerID?.rawValue ?? 0).littleEndian, toByteOffset: 20, as: UInt64.self)
        buffer.storeBytes(of: requestID.littleEndian, toByteOffset: 28, as: UInt64.self)
    }

    /// The 36 encoded bytes.
    public func encoded() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.size) { buffer, count in
            write(to: UnsafeMutableRawBufferPointer(buffer))
            count = Self.size
        }
    }

    /// Reads one envelope (36 bytes) and leaves the reader at the payload.
    /// - Throws: ``DecodeError``: `truncated` under 36 bytes; `invalidValue` for a wrong magic, another version, an
    ///   unknown kind, a non-zero reserved byte, a boot id over 24 bits or a zero sequence number.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        let start = reader.offset
        if reader.remaining < Self.size {
            throw DecodeError(
                .truncated,
                at: start,
                field: "envelope",
                detail: "needs \(Self.size) bytes, \(reader.remaining) left"
            )
        }
        // One bounds check for the fixed layout, then loads at fixed offsets (this runs once per bus message).
        let raw = try reader.readSlice(Self.size, "envelope")
        func invalid(_ offset: Int, _ field: String, _ detail: String) -> DecodeError {
            DecodeError(.invalidValue, at: start + offset, field: "envelope." + field, detail: detail)
        }
        let magic = raw[0]
        if magic != Self.magic { throw invalid(0, "magic", "0x\(String(magic, radix: 16))") }
        let version = raw[1]
        if version != Self.version { throw invalid(1, "version", "unsupported version \(version)") }
        guard let kind = Kind(rawValue: raw[2]) else { throw invalid(2, "kind", "unknown kind \(raw[2])") }
        if raw[5] != 0 { throw invalid(5, "reserved", "must be 0") }
        let bootID = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        if bootID > SenderID.maxBootID { throw invalid(8, "boot_id", "\(bootID) exceeds 24 bits") }
        let sequence = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        if sequence == 0 { throw invalid(12, "sequence", "must not be 0") }
        let peer = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 20, as: UInt64.self))
        self.kind = kind
        self.flags = Flags(rawValue: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 6, as: UInt16.self)))
        self.sender = SenderID(service: ServiceKind(rawValue: raw[3]), replica: raw[4], bootID: bootID)
        self.sequence = sequence
        self.peerID = peer == 0 ? nil : PeerID(rawValue: peer)
        self.requestID = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 28, as: UInt64.self))
    }

    /// Decodes exactly one envelope (no payload after it).
    public init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        self = try bytes.withByteReader { (reader) throws(DecodeError) -> Envelope in
            let envelope = try Envelope(from: &reader)
            try reader.expectEnd("envelope")
            return envelope
        }
    }
}
