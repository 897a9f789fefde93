extension Block {
    /// Smallest encoding of one transaction entry: tx_len plus a transaction without inputs or outputs.
    static let minimumTransactionEntrySize = 4 + Transaction.minimumSize

    /// Strict decode (§4.2, §5 steps 0–1).
    ///
    /// The size limit is checked first (`blockTooLarge`). The certificate and each transaction are decoded inside
    /// their length-prefixed slices: fields that need more than the slice are `decodeError`, bytes left inside a
    /// slice are `lengthMismatch`, bytes after the last transaction are `trailingBytes`, and a length or count
    /// that runs past the end is `decodeError`.
    ///
    /// - Throws: `BlockDecodeError` with the reason code and the underlying `DecodeError`.
    public init(decoding bytes: some Collection<UInt8>) throws(BlockDecodeError) {
        if bytes.count > BloomConstants.maxBlockSize {
            throw BlockDecodeError(reason: .blockTooLarge, underlying: nil)
        }
        do {
            self = try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> Block in
                let block = try Block(from: &reader)
                try reader.expectEnd("block")
                return block
            }
        } catch {
            throw BlockDecodeError(reason: ReasonCode(error), underlying: error)
        }
    }

    /// Reads one block, leaving the reader after its last transaction (no size limit, no end check).
    ///
    /// - Throws: `DecodeError`; `.lengthMismatch` when a certificate or transaction does not fill its slice.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        header = try BlockHeader(from: &reader)
        let certLength = Int(try reader.readU32("block.cert_len"))
        certificate = try Self.decodeSlice(certLength, &reader, "block.certificate") {
            (inner: inout ByteReader) throws(DecodeError) in try ConsensusCertificate(from: &inner)
        }
        let count = try reader.readCount("block.tx_count", minElementSize: Block.minimumTransactionEntrySize)
        var transactions: [Transaction] = []
        transactions.reserveCapacity(count)
        for _ in 0..<count {
            let txLength = Int(try reader.readU32("block.tx_len"))
            transactions.append(
                try Self.decodeSlice(txLength, &reader, "block.transaction") {
                    (inner: inout ByteReader) throws(DecodeError) in try Transaction(from: &inner)
                }
            )
        }
        self.transactions = transactions
    }

    /// Decodes one value confined to the next `length` bytes; leftovers inside the slice are a length mismatch.
    private static func decodeSlice<T>(
        _ length: Int,
        _ reader: inout ByteReader,
        _ field: String,
        _ body: (inout ByteReader) throws(DecodeError) -> T
    ) throws(DecodeError) -> T {
        let base = reader.offset
        let slice = try reader.readSlice(length, field)
        var inner = ByteReader(slice, base: base)
        let value = try body(&inner)
        if !inner.isAtEnd {
            throw DecodeError(.lengthMismatch, at: inner.offset, field: field,
                              detail: "\(inner.remaining) unused bytes in a \(length)-byte slice")
        }
        return value
    }
}
