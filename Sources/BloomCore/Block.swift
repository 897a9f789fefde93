/// A block (spec §4.2): header, consensus certificate, transactions.
public struct Block: Hashable, Sendable {
    /// The 92-byte header; its bloom_hash is the block hash.
    public var header: BlockHeader
    /// The bloom evidence; not committed by the hash (§4.2).
    public var certificate: ConsensusCertificate
    /// The transactions, coinbase first; committed through the header's Merkle root.
    public var transactions: [Transaction]

    /// Creates a block from its parts; no check is made (see ``checkStructure()``).
    public init(header: BlockHeader, certificate: ConsensusCertificate, transactions: [Transaction]) {
        self.header = header
        self.certificate = certificate
        self.transactions = transactions
    }

    /// The block hash: the header's bloom_hash (§3.2). It does not commit to the certificate.
    public var hash: Hash256 { header.hash }

    /// The txids of the transactions, in block order.
    public var txids: [Hash256] { transactions.map(\.txid) }

    /// Serialized size: 92 + 4 + certificate + 4 + Σ (4 + tx).
    public var serializedSize: Int {
        BlockHeader.size + 4 + certificate.serializedSize + 4
            + transactions.reduce(0) { $0 + 4 + $1.serializedSize }
    }

    /// The serialization of §4.2 (the BLOCK payload).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: serializedSize)
        header.encode(into: &writer)
        writer.u32(UInt32(truncatingIfNeeded: certificate.serializedSize))
        certificate.encode(into: &writer)
        writer.u32(UInt32(truncatingIfNeeded: transactions.count))
        for tx in transactions {
            writer.u32(UInt32(truncatingIfNeeded: tx.serializedSize))
            tx.encode(into: &writer)
        }
        return writer.bytes
    }
}

/// Why a block's bytes were not accepted as a block: the §5 step 0/1 reason code, and the decoding detail.
public struct BlockDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `blockTooLarge`, `decodeError`, `lengthMismatch` or `trailingBytes`.
    public var reason: ReasonCode
    /// Where decoding failed; nil for `blockTooLarge`, which is decided before decoding.
    public var underlying: DecodeError?

    /// Creates an error.
    public init(reason: ReasonCode, underlying: DecodeError?) {
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        underlying.map { "\(reason.rawValue) (\($0))" } ?? reason.rawValue
    }
}
