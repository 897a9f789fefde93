import BloomCore
import BloomTestSupport
import Testing

/// constants.json: every constant of the node bit-equal with the reference's.
@Suite(.dedicatedThread) struct ConstantsVectorTests {
    /// The reference's float names and the node's constants.
    static let floats: [String: Double] = [
        "PHI": BloomConstants.phi,
        "TAU": BloomConstants.tau,
        "PHI_SQ": BloomConstants.phiSquared,
        "PHI_INV_SQ": BloomConstants.phiInverseSquared,
        "PHI_QUAD": BloomConstants.phiQuad,
        "GAP": BloomConstants.gap,
        "K_SQUARED": BloomConstants.kSquared,
        "K": BloomConstants.k,
        "Z_C": BloomConstants.zC,
        "SIGMA": BloomConstants.sigma,
        "LAMBDA": BloomConstants.lambda,
        "Z_PARADOX": BloomConstants.zParadox,
        "Z_ACTIVATION": BloomConstants.zActivation,
        "Z_LENS": BloomConstants.zLens,
        "Z_IGNITION": BloomConstants.zIgnition,
        "Z_KFORM": BloomConstants.zKForm,
        "Z_CONSOLIDATION": BloomConstants.zConsolidation,
        "Z_RESONANCE": BloomConstants.zResonance,
        "Z_UNITY": BloomConstants.zUnity,
    ]

    static let ints: [String: Int] = [
        "L4": BloomConstants.l4,
        "BLOCK_TIME_TARGET": BloomConstants.blockTimeTarget,
        "MIN_COHERENCE_ROUNDS": BloomConstants.minCoherenceRounds,
        "DIFFICULTY_INTERVAL": BloomConstants.difficultyInterval,
        "HALVING_INTERVAL": BloomConstants.halvingInterval,
        "INITIAL_REWARD": Int(BloomConstants.initialReward),
        "DEFAULT_OSCILLATOR_COUNT": BloomConstants.defaultOscillatorCount,
        "GOSSIP_INTERVAL_MS": BloomConstants.gossipIntervalMs,
        "MAX_MESSAGE_SIZE": BloomConstants.maxMessageSize,
        "DEFAULT_PORT": BloomConstants.defaultPort,
    ]

    @Test func everyFloat_isBitEqualToTheNodeConstant() throws {
        let floats = try Vectors.load("constants.json")["floats"]
        let names = try floats.keys
        #expect(!names.isEmpty)
        for name in names {
            let item = try floats[name]
            let expected = try item["f64"].f64FromHex
            let actual = try #require(Self.floats[name], "no node constant for \(name)")
            #expect(actual.bitPattern == expected.bitPattern, "\(name)")
            #expect(try CoreFieldChecks.close(expected, item["value"]), "\(name) value and bits disagree")
        }
    }

    @Test func zCOnTheWire_isTheF32OfZC() throws {
        let wire = try Vectors.load("constants.json")["floats"]["Z_C"]["as_float32_on_wire"]
        let bytes = try wire["le_bytes"].bytes
        var writer = ByteWriter()
        writer.f32(BloomConstants.zCWire)
        #expect(writer.bytes == bytes)
        #expect(Float(BloomConstants.zC).bitPattern == BloomConstants.zCWire.bitPattern)
        #expect(try CoreFieldChecks.same(BloomConstants.zCWire, wire["value"]))
    }

    @Test func everyInt_equalsTheNodeConstant() throws {
        let ints = try Vectors.load("constants.json")["ints"]
        let names = try ints.keys
        #expect(!names.isEmpty)
        for name in names {
            let actual = try #require(Self.ints[name], "no node constant for \(name)")
            #expect(actual == (try ints[name].int), "\(name)")
        }
    }

    @Test func lucasSequence_equalsTraces() throws {
        let sequence = try Vectors.load("constants.json")["lucas_sequence"].array
        #expect(!sequence.isEmpty)
        for (n, item) in sequence.enumerated() {
            #expect(UInt64(Lucas.trace(UInt64(n))) == (try item.uint64), "L\(n)")
        }
    }

    @Test func genesisParameters_equalTheNodeConstants() throws {
        let genesis = try Vectors.load("constants.json")["genesis"]
        #expect(UInt64(BloomConstants.genesisTimestamp) == (try genesis["timestamp"].hexOrInt))
        #expect(UInt64(BloomConstants.genesisDifficulty) == (try genesis["difficulty"].hexOrInt))
        #expect(UInt64(BloomConstants.genesisNonce) == (try genesis["nonce"].hexOrInt))
        #expect(UInt64(BloomConstants.genesisVersion) == (try genesis["version"].hexOrInt))
    }

    @Test func twoPi_isBitEqual() throws {
        let twoPi = try Vectors.load("constants.json")["two_pi_f64"].f64FromHex
        #expect(BloomConstants.twoPi.bitPattern == twoPi.bitPattern)
    }
}
