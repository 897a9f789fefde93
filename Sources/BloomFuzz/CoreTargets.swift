import BloomChain
import BloomCore
import BloomWire

/// The payloads that carry consensus objects: BLOCK (decode and the whole §5 evaluation), TX (decode and the
/// structure rules) and BLOOM (certificate decode and verification).
enum CoreTargets {
    static let all: [FuzzTarget] = [block, tx, bloom]

    /// The consensus genesis, built once per process.
    static let genesis = Genesis.block()
    /// A fixed clock, after every vector's timestamps, so a run is reproducible.
    static let now: UInt32 = 2_000_000_000

    /// One chain engine on the genesis, reused while no input changed its chain (building one costs more than
    /// evaluating most inputs). A stored block, an orphan or an invalid-set entry can change a later verdict for
    /// the same bytes, so the engine is rebuilt after any verdict that names a hash; the properties checked
    /// below do not depend on it.
    static let engine = Locked<ChainEngine<InMemoryChainStore>?>(nil)

    static func evaluate(_ bytes: [UInt8]) throws(ChainError) -> BlockVerdict {
        try engine.withLock { (cached: inout ChainEngine<InMemoryChainStore>?) throws(ChainError) -> BlockVerdict in
            let current: ChainEngine<InMemoryChainStore>
            if let cached {
                current = cached
            } else {
                current = try ChainEngine(store: InMemoryChainStore(), genesis: genesis)
            }
            let verdict = try current.submit(bytes, now: now)
            cached = verdict.hash == nil ? current : nil
            return verdict
        }
    }

    /// The seeds include the vectors' blocks of about 1 MB (the size limit), and libFuzzer's default maximum is the
    /// longest seed: mutating 1 MB inputs ran 2,300 executions a second against 15,000 with 16 KiB, for no more
    /// coverage (the size check is step 0, one comparison, and those vectors run in the ordinary suite).
    /// 16 KiB holds dozens of transactions, so every count and every rule is still reached.
    static let block = FuzzTarget(
        "block",
        "BLOCK payload: a decoded block serializes to the same bytes, its structure checks run, and a fresh chain "
            + "engine's verdict agrees with the decoder (rejected with the decoder's reason when it fails)",
        maximumInputLength: 16 * 1024
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let name = "block"
        let decoded: Result<Block, BlockDecodeError>
        do throws(BlockDecodeError) {
            decoded = .success(try Block(decoding: input))
        } catch {
            decoded = .failure(error)
        }
        if case .success(let block) = decoded {
            try Expect.that(block.serialized() == input, name, "serializes to different bytes")
            try Expect.that(block.serializedSize == input.count, name, "serializedSize \(block.serializedSize)")
            _ = block.checkStructure()
            _ = block.certificate.verify()
        }
        let verdict: BlockVerdict
        do {
            verdict = try evaluate(input)
        } catch {
            throw PropertyViolation(name, "the in-memory chain engine failed: \(error)")
        }
        switch decoded {
        case .failure(let error):
            try Expect.that(
                verdict.verdict == .reject && verdict.reason == error.reason,
                name,
                "decoder says \(error.reason), engine says \(verdict)"
            )
        case .success(let block):
            try Expect.that(verdict.hash == nil || verdict.hash == block.hash, name, "verdict names another hash")
        }
    }

    static let tx = FuzzTarget(
        "tx",
        "TX payload: a decoded transaction serializes to the same bytes; structure rules, output total and txid "
            + "are consistent"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let name = "tx"
        let transaction: Transaction
        do {
            transaction = try Transaction(decoding: input)
        } catch {
            return
        }
        try Expect.that(transaction.serialized() == input, name, "serializes to different bytes")
        try Expect.that(transaction.serializedSize == input.count, name, "serializedSize \(transaction.serializedSize)")
        if transaction.hasValidStructure {
            guard let total = transaction.outputTotal else {
                throw PropertyViolation(name, "valid structure but the output total overflows")
            }
            try Expect.that(total <= BloomConstants.maxSupply, name, "valid structure with outputs \(total)")
        }
        // The txid commits to the signing bytes only, so it is the same after a round trip.
        let again = try? Transaction(decoding: transaction.serialized())
        try Expect.that(again?.txid == transaction.txid, name, "txid changed in a round trip")
        _ = transaction.isCoinbaseShaped
    }

    static let bloom = FuzzTarget(
        "bloom",
        "BLOOM payload: a decoded certificate encodes to the same bytes; verification runs, and a verified "
            + "certificate's recomputed r is finite"
    ) { (input: [UInt8]) throws(PropertyViolation) in
        let name = "bloom"
        guard case .accept(.bloom(let payload))? = Optional(
            MessageClassifier.classify(type: .bloom, payload: input, peerServices: .node)
        ) else {
            throw PropertyViolation(name, "a BLOOM payload was not accepted as carried bytes")
        }
        let certificate: ConsensusCertificate
        do {
            certificate = try ConsensusCertificate(decoding: payload)
        } catch {
            return
        }
        try Expect.that(certificate.encoded() == input, name, "encodes to different bytes")
        try Expect.that(certificate.serializedSize == input.count, name, "serializedSize \(certificate.serializedSize)")
        if certificate.verify() == nil {
            try Expect.that(certificate.recomputedR.isFinite, name, "verified with recomputed r \(certificate.recomputedR)")
        }
    }
}
