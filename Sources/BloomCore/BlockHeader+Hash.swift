extension BlockHeader {
    /// Size of the bloom_hash preimage: the 4-byte Lucas prefix, then the header.
    static let preimageSize = 4 + size

    /// The block hash, bloom_hash (§3.2): SHA256d(u32 LE L_(nonce mod 1000) ‖ header92).
    ///
    /// The preimage is assembled in a stack buffer: this is the miner's and the header sync's hot path.
    public var hash: Hash256 {
        withUnsafeTemporaryAllocation(byteCount: BlockHeader.preimageSize, alignment: 8) { buffer in
            write(preimageInto: buffer)
            return SHA256d.hash(UnsafeRawBufferPointer(buffer))
        }
    }

    /// The bytes that bloom_hash hashes: Lucas prefix ‖ header92 (96 bytes).
    public var hashPreimage: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: BlockHeader.preimageSize) { buffer, count in
            write(preimageInto: UnsafeMutableRawBufferPointer(buffer))
            count = BlockHeader.preimageSize
        }
    }

    /// Writes the 96-byte preimage; `buffer` has at least `preimageSize` bytes.
    private func write(preimageInto buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: Lucas.prefix(nonce: nonce).littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: version.littleEndian, toByteOffset: 4, as: UInt32.self)
        prevHash.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[8..<40]).copyMemory(from: $0) }
        merkleRoot.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[40..<72]).copyMemory(from: $0) }
        buffer.storeBytes(of: timestamp.littleEndian, toByteOffset: 72, as: UInt32.self)
        buffer.storeBytes(of: difficulty.littleEndian, toByteOffset: 76, as: UInt32.self)
        buffer.storeBytes(of: nonce.littleEndian, toByteOffset: 80, as: UInt32.self)
        buffer.storeBytes(of: orderParameter.bitPattern.littleEndian, toByteOffset: 84, as: UInt32.self)
        buffer.storeBytes(of: meanPhase.bitPattern.littleEndian, toByteOffset: 88, as: UInt32.self)
        buffer.storeBytes(of: oscillatorCount.littleEndian, toByteOffset: 92, as: UInt32.self)
    }
}
