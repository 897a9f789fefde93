import BloomCore

/// A file of blocks, as `bloom-sync --load-blocks` reads it: back-to-back records `u32 LE length, block bytes`.
///
/// Like Bitcoin Core's `-loadblock`, it lets an operator seed a node from a file, and it is how the crash-safety
/// test feeds a child process. The decoder is total: a record longer than the largest valid block or running
/// past the end of the file is a ``DecodeError``.
public enum BlockFile {
    /// Encodes `blocks` (each a serialized block) as a block file.
    public static func encode(_ blocks: [[UInt8]]) -> [UInt8] {
        var writer = ByteWriter(capacity: blocks.reduce(0) { $0 + 4 + $1.count })
        for block in blocks {
            writer.u32(UInt32(truncatingIfNeeded: block.count))
            writer.append(block)
        }
        return writer.bytes
    }

    /// The records of a block file, in order.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> [[UInt8]] {
        try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) -> [[UInt8]] in
            var blocks: [[UInt8]] = []
            while !reader.isAtEnd {
                // A record may hold a block that fails validation, but never more than a valid block's size limit
                // (spec §5 step 0), so a corrupt length cannot make us allocate gigabytes.
                let length = try reader.readCount(
                    "record.length",
                    minElementSize: 1,
                    limit: BloomConstants.maxBlockSize
                )
                blocks.append(try reader.readBytes(length, "record.block"))
            }
            return blocks
        }
    }
}
