import BloomChain
import BloomCore

/// The byte form of ``BlockUndo`` in the `undo` table.
///
/// `u32 count`, then per record: `txid[32] u32 index u8 present` and, when present is 1,
/// `u64 amount, address[32], u32 height, u8 is_coinbase`. Only the store writes it; a row that does not decode
/// means a damaged database (``ChainError`` `.corruptStore`).
enum UndoCodec {
    /// Smallest encoded record: an outpoint that did not exist before.
    private static let minRecordSize = 32 + 4 + 1

    static func encode(_ undo: BlockUndo) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + undo.records.count * 82)
        writer.u32(UInt32(truncatingIfNeeded: undo.records.count))
        for record in undo.records {
            writer.hash(record.outpoint.txid)
            writer.u32(record.outpoint.index)
            if let previous = record.previous {
                writer.u8(1)
                writer.u64(previous.amount)
                writer.hash(previous.address)
                writer.u32(previous.height)
                writer.u8(previous.isCoinbase ? 1 : 0)
            } else {
                writer.u8(0)
            }
        }
        return writer.bytes
    }

    static func decode(_ bytes: some Collection<UInt8>) throws(DecodeError) -> BlockUndo {
        try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> BlockUndo in
            let count = try reader.readCount("undo.count", minElementSize: minRecordSize)
            var records: [BlockUndo.Record] = []
            records.reserveCapacity(count)
            for _ in 0..<count {
                let outpoint = OutPoint(txid: try reader.readHash("undo.txid"), index: try reader.readU32("undo.index"))
                var previous: UTXOEntry?
                if try reader.readU8("undo.present") != 0 {
                    previous = UTXOEntry(
                        amount: try reader.readU64("undo.amount"),
                        address: try reader.readHash("undo.address"),
                        height: try reader.readU32("undo.height"),
                        isCoinbase: try reader.readU8("undo.is_coinbase") != 0
                    )
                }
                records.append(BlockUndo.Record(outpoint: outpoint, previous: previous))
            }
            try reader.expectEnd("undo")
            return BlockUndo(records: records)
        }
    }
}
