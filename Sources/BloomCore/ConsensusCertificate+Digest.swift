import Crypto

extension ConsensusCertificate {
    /// SHA-256 of the serialized certificate (the BLOOM payload, spec §4.6).
    ///
    /// A block hash does not commit to the certificate (§4.2), so this digest is what names "the block built on
    /// this bloom": `gossip.expect` and `chain.tip` carry it, and bloom-gossip's BLOOM dedupe set keys on it.
    public var digest: Hash256 {
        SHA256.hash(data: encoded()).withUnsafeBytes { Hash256($0) }
    }
}
