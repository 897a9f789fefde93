/// A transaction (spec §4.3).
public struct Transaction: Hashable, Sendable {
    /// Size of a transaction with no inputs and no outputs: version, two counts, locktime.
    public static let minimumSize = 16

    /// 1 for every reference transaction; not checked.
    public var version: UInt32
    /// Spent outpoints (100 bytes each on the wire).
    public var inputs: [TxInput]
    /// Created outputs (40 bytes each on the wire).
    public var outputs: [TxOutput]
    /// Serialized and committed by the txid, but not enforced in v1.
    public var locktime: UInt32

    /// Creates a transaction from its parts; no check is made (see ``hasValidStructure``).
    public init(version: UInt32 = 1, inputs: [TxInput], outputs: [TxOutput], locktime: UInt32 = 0) {
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.locktime = locktime
    }

    /// Strict decode: the bytes must hold exactly one transaction.
    ///
    /// - Throws: `DecodeError` `.truncated` (also for a count larger than the remaining bytes allow) or
    ///   `.trailingBytes`.
    public init(decoding bytes: some Collection<UInt8>) throws(DecodeError) {
        self = try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> Transaction in
            let tx = try Transaction(from: &reader)
            try reader.expectEnd("tx")
            return tx
        }
    }

    /// Reads one transaction and leaves the reader after its locktime.
    ///
    /// - Throws: `DecodeError` `.truncated` when a field or the counted elements do not fit.
    public init(from reader: inout ByteReader) throws(DecodeError) {
        version = try reader.readU32("tx.version")
        // Counts are checked against the remaining bytes before anything is allocated.
        let inputCount = try reader.readCount("tx.input_count", minElementSize: TxInput.size)
        var inputs: [TxInput] = []
        inputs.reserveCapacity(inputCount)
        for _ in 0..<inputCount {
            let prevTx = try reader.readHash("tx.input.prev_tx")
            let outputIndex = try reader.readU32("tx.input.output_index")
            let signature = try reader.readBytes(TxInput.signatureSize, "tx.input.signature")
            inputs.append(TxInput(prevTx: prevTx, outputIndex: outputIndex, signature: signature))
        }
        let outputCount = try reader.readCount("tx.output_count", minElementSize: TxOutput.size)
        var outputs: [TxOutput] = []
        outputs.reserveCapacity(outputCount)
        for _ in 0..<outputCount {
            let amount = try reader.readU64("tx.output.amount")
            let address = try reader.readHash("tx.output.address")
            outputs.append(TxOutput(amount: amount, address: address))
        }
        locktime = try reader.readU32("tx.locktime")
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Serialized size: 16 + 100 × inputs + 40 × outputs.
    public var serializedSize: Int {
        Transaction.minimumSize + TxInput.size * inputs.count + TxOutput.size * outputs.count
    }

    /// The full serialization, signatures included.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: serializedSize)
        encode(into: &writer, withSignatures: true)
        return writer.bytes
    }

    /// The serialization without signatures, which the txid hashes.
    public func signingBytes() -> [UInt8] {
        var writer = ByteWriter(capacity: serializedSize - TxInput.signatureSize * inputs.count)
        encode(into: &writer, withSignatures: false)
        return writer.bytes
    }

    /// Appends the full serialization to `writer`.
    public func encode(into writer: inout ByteWriter) {
        encode(into: &writer, withSignatures: true)
    }

    private func encode(into writer: inout ByteWriter, withSignatures: Bool) {
        writer.u32(version)
        writer.u32(UInt32(truncatingIfNeeded: inputs.count))
        for input in inputs {
            writer.hash(input.prevTx)
            writer.u32(input.outputIndex)
            if withSignatures {
                // Exactly 64 bytes, whatever the array holds, so that the size formula always holds.
                let signature = input.signature.prefix(TxInput.signatureSize)
                writer.append(signature)
                writer.append(repeatElement(0, count: TxInput.signatureSize - signature.count))
            }
        }
        writer.u32(UInt32(truncatingIfNeeded: outputs.count))
        for output in outputs {
            writer.u64(output.amount)
            writer.hash(output.address)
        }
        writer.u32(locktime)
    }

    /// SHA256d of the signing bytes: signatures are not committed.
    ///
    /// The signing bytes are stored into a temporary buffer (on the stack for ordinary transactions) rather than
    /// appended to an array field by field: a block's validation computes every txid (callgrind: about 1,000
    /// instructions and one allocation less per transaction). `TransactionTests` checks it against
    /// `signingBytes()`.
    public var txid: Hash256 {
        let size = Transaction.minimumSize + 36 * inputs.count + TxOutput.size * outputs.count
        return withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buffer in
            var offset = 0
            func store<T: FixedWidthInteger>(_ value: T) {
                buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
                offset += MemoryLayout<T>.size
            }
            func store(_ hash: Hash256) {
                store(hash.w0)
                store(hash.w1)
                store(hash.w2)
                store(hash.w3)
            }
            store(version)
            store(UInt32(truncatingIfNeeded: inputs.count))
            for input in inputs {
                store(input.prevTx)
                store(input.outputIndex)
            }
            store(UInt32(truncatingIfNeeded: outputs.count))
            for output in outputs {
                store(output.amount)
                store(output.address)
            }
            store(locktime)
            return SHA256d.hash(UnsafeRawBufferPointer(buffer))
        }
    }
}
