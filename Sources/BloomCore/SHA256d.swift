import Crypto

/// SHA-256 applied twice (spec §3.1): block hashes, txids and Merkle nodes.
public enum SHA256d {
    /// SHA-256(SHA-256(`bytes`)), in the byte order SHA-256 outputs it.
    public static func hash(_ bytes: some Collection<UInt8>) -> Hash256 {
        if let result = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }

    /// SHA-256(SHA-256(`raw`)) over a raw buffer, without copying it.
    public static func hash(_ raw: UnsafeRawBufferPointer) -> Hash256 {
        var first = SHA256()
        first.update(bufferPointer: raw)
        let inner = first.finalize()
        var second = SHA256()
        inner.withUnsafeBytes { second.update(bufferPointer: $0) }
        return second.finalize().withUnsafeBytes { Hash256($0) }
    }
}
