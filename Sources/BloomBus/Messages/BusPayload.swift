import BloomCore

/// A topic's payload: the bytes after the envelope in the second frame. One value type and one total codec per
/// topic. Multi-byte integers are little-endian; strings are a u16 byte count then UTF-8 (validated, bounded by
/// ``BusStrings/maxBytes``); a trailing "rest" field takes every remaining byte.
///
/// | topic | type | layout |
/// | --- | --- | --- |
/// | `p2p.in.<TYPE>` | ``P2PIn`` | rest: the raw frame payload (peer id in the envelope) |
/// | `p2p.peer` | ``PeerEvent`` | u8 tag; 1 connected: u64 peer, str address, u8 direction (1 in, 2 out), u32 version, u32 height, u64 services, u16 listen port; 2 disconnected: u64 peer, str reason |
/// | `p2p.out` | ``P2POut`` | u8 message type, u8 target (1 one, 2 all, 3 all except), u64 peer (not for all), rest: payload |
/// | `p2p.ctl` | ``P2PControl`` | u8 tag; 1 penalise: u64 peer, u32 points, str reason; 2 disconnect: u64 peer, str reason; 3 ban: u8 by (1 peer: u64, 2 ip: str), u32 seconds, str reason; 4 connect: str address |
/// | `p2p.flow` | ``P2PFlow`` | u64 peer, u8 state (1 open, 2 full, 3 written: then u64 payload bytes) |
/// | `chain.tip` | ``ChainTip`` | u32 height, 32 hash, 32 parent hash, 32 SHA-256 of the tip's certificate |
/// | `gossip.sealed` | ``GossipSealed`` | 32 prev hash, u32 nonce, u32 r bits, u32 psi bits, u32 N, rest: certificate |
/// | `gossip.expect` | ``GossipExpect`` | u64 announcer peer, 32 SHA-256 of the certificate |
/// | `gossip.score` | ``GossipScore`` | u64 peer, f64 score (finite) |
/// | `svc.heartbeat` | ``Heartbeat`` | str name, u8 replica, u32 pid, u32 boot id (24 bits), u8 state, u8 has tip (0/1), [the `chain.tip` layout], str host |
/// | `svc.hello` | ``ServiceHello`` | empty (the sender is in the envelope) |
/// | `svc.replicas` | ``ServiceReplicas`` | u8 count, then per service: str name, u8 replicas (1…64) |
/// | `svc.metrics` | ``ServiceMetrics`` | rest: Prometheus text format 0.0.4, UTF-8, at most 1 MiB (no `service`/`replica` labels: the envelope's sender) |
/// | `svc.query.<service>` | ``ServiceQuery`` | rest: JSON `{id, cmd, args}` (request id in the envelope) |
/// | `svc.reply` | ``ServiceReply`` | rest: JSON result (request id in the envelope, flag `error` on failure) |
///
/// Anything else (short input, bytes left over, an unknown tag, an out-of-range value, bad UTF-8) is a
/// ``DecodeError`` naming the field and offset; the receiver drops the message.
public protocol BusPayload: Sendable {
    /// Reads one payload from `reader` (the caller checks the end).
    init(from reader: inout ByteReader) throws(DecodeError)
    /// Appends the encoded payload.
    func encode(into writer: inout ByteWriter)
}

extension BusPayload {
    /// Decodes exactly one payload: every byte must be consumed.
    public init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        self = try bytes.withByteReader { (reader) throws(DecodeError) -> Self in
            let value = try Self(from: &reader)
            try reader.expectEnd("payload")
            return value
        }
    }

    /// The encoded payload.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        encode(into: &writer)
        return writer.bytes
    }
}

/// The bus's string field: u16 byte count, then UTF-8.
public enum BusStrings {
    /// Longest string field accepted or written (addresses, reasons, names): bounds what a bad message can make a
    /// receiver allocate.
    public static let maxBytes = 1024

    /// Writes `string`, cut at a character boundary to ``maxBytes`` bytes.
    static func write(_ string: String, into writer: inout ByteWriter) {
        var bytes = Array(string.utf8)
        if bytes.count > maxBytes {
            var cut = 0
            for scalar in string.unicodeScalars {
                let width = String(scalar).utf8.count
                if cut + width > maxBytes { break }
                cut += width
            }
            bytes = Array(bytes[0..<cut])
        }
        writer.u16(UInt16(bytes.count))
        writer.append(bytes)
    }

    static func read(_ reader: inout ByteReader, _ field: String) throws(DecodeError) -> String {
        let at = reader.offset
        let count = Int(try reader.readU16(field))
        if count > maxBytes {
            throw DecodeError(.countOutOfRange, at: at, field: field, detail: "\(count) bytes > \(maxBytes)")
        }
        let bytes = try reader.readSlice(count, field)
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw DecodeError(.invalidValue, at: at + 2, field: field, detail: "not UTF-8")
        }
        return string
    }

    /// Reads a non-zero peer id.
    static func readPeer(_ reader: inout ByteReader, _ field: String) throws(DecodeError) -> PeerID {
        let at = reader.offset
        let raw = try reader.readU64(field)
        if raw == 0 { throw DecodeError(.invalidValue, at: at, field: field, detail: "peer id 0") }
        return PeerID(rawValue: raw)
    }

    /// Reads every remaining byte.
    static func readRest(_ reader: inout ByteReader, _ field: String) throws(DecodeError) -> [UInt8] {
        try reader.readBytes(reader.remaining, field)
    }
}
