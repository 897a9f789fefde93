extension Block {
    /// The context-free checks of §5 steps 3–5, in order: certificate (``ConsensusCertificate/verify()``);
    /// header r finite and ≥ Z_C (f64), header N within [7, 10 000], header N == certificate N, header r bits ==
    /// last certificate r bits, header mean_phase finite; Merkle root (empty → zero); each transaction's
    /// structure; first transaction a coinbase; no later coinbase-shaped transaction; no duplicate txid.
    ///
    /// - Returns: nil when every check passes, otherwise the reason code of the first failure.
    public func checkStructure() -> ReasonCode? {
        checkStructure(txids: txids)
    }

    /// ``checkStructure()`` with the txids already computed (in block order), for callers that reuse them.
    public func checkStructure(txids: [Hash256]) -> ReasonCode? {
        if let failure = certificate.verify() { return failure }
        if let failure = checkHeaderAgainstCertificate() { return failure }
        if MerkleTree.root(txids) != header.merkleRoot { return .merkleMismatch }
        if !transactions.allSatisfy(\.hasValidStructure) { return .txStructure }
        if let first = transactions.first, !first.isCoinbaseShaped { return .firstTxNotCoinbase }
        if transactions.dropFirst().contains(where: \.isCoinbaseShaped) { return .extraCoinbase }
        // Two equal txids: the CVE-2012-2459 padding (same Merkle root) or a plain duplicate transfer.
        if Self.containsDuplicate(txids) { return .doubleSpend }
        return nil
    }

    /// Whether two of `txids` are equal. Up to 32 they are compared pair by pair (at most 496 comparisons of four
    /// words, no hashing and no allocation); beyond, through a set.
    static func containsDuplicate(_ txids: [Hash256]) -> Bool {
        let count = txids.count
        if count > 32 { return Set(txids).count != count }
        return txids.withUnsafeBufferPointer { ids in
            for i in 0..<count {
                for j in (i + 1)..<count where ids[i] == ids[j] { return true }
            }
            return false
        }
    }

    /// §5 step 4.
    private func checkHeaderAgainstCertificate() -> ReasonCode? {
        let r = header.orderParameter
        // The f32 header r is widened and compared with the f64 Z_C, which the f32 Z_C falls just below.
        if !r.isFinite || Double(r) < BloomConstants.zC { return .headerRBelowZC }
        if header.oscillatorCount < UInt32(BloomConstants.l4) { return .nBelowL4 }
        if header.oscillatorCount > UInt32(BloomConstants.maxOscillatorCount) { return .nAboveMax }
        if header.oscillatorCount != certificate.oscillatorCount { return .headerCertNMismatch }
        if r.bitPattern != certificate.rValues.last?.bitPattern { return .headerCertRMismatch }
        if !header.meanPhase.isFinite { return .certNaN }
        return nil
    }
}
