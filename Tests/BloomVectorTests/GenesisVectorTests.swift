import BloomCore
import BloomTestSupport
import Testing

/// genesis.json: each variant built from its `args` with the node's builders, exact bytes and hash.
@Suite(.dedicatedThread) struct GenesisVectorTests {
    /// Builds the variant described by `args`; an absent key means §4.8's value (the builder's default).
    static func build(_ args: JSON) throws -> Block {
        let address = try args.optional("reward_address").map { json in
            try #require(Hash256(hex: try json.string), "\(json.path)")
        }
        let timestamp = try args.optional("timestamp").map { UInt32(try $0.uint64) } ?? BloomConstants.genesisTimestamp
        let count = try args.optional("oscillator_count")?.int ?? BloomConstants.defaultOscillatorCount
        return Genesis.block(rewardAddress: address, timestamp: timestamp, oscillatorCount: count)
    }

    @Test func everyVariant_bytesAndHashMatch() throws {
        let variants = try Vectors.load("genesis.json")["genesis"].array
        #expect(!variants.isEmpty)
        for item in variants {
            let block = try Self.build(item["args"])
            let bytes = block.serialized()
            #expect(bytes == (try item["block"].bytes), "\(item.path).block")
            #expect(bytes.count == (try item["size"].int), "\(item.path).size")
            #expect(block.hash.hex == (try item["hash"].string), "\(item.path).hash")
            #expect(block.hash.hex == (try item["bloom_hash"].string), "\(item.path).bloom_hash")
            #expect(block.header.prevHash.hex == (try item["prev_hash"].string), "\(item.path).prev_hash")
            #expect((bytes.count <= Int(UInt16.max)) == (try item["fits_uint16_frame"].bool), "\(item.path)")
        }
    }

    @Test func everyVariant_partsMatch() throws {
        for item in try Vectors.load("genesis.json")["genesis"].array {
            let block = try Self.build(item["args"])
            try CoreFieldChecks.expectHeader(block.header, equals: item["header_fields"])
            #expect(block.header.encoded() == (try item["header"].bytes), "\(item.path).header")
            #expect(block.header.hashPreimage.prefix(4).elementsEqual(try item["lucas_prefix"].bytes), "\(item.path)")
            try CoreFieldChecks.expectHashDetail(block.header, equals: item["header_hash_detail"])
            #expect(block.header.encoded() == (try item["header_hash_detail"]["header"].bytes), "\(item.path)")
            #expect(block.certificate.encoded() == (try item["certificate"].bytes), "\(item.path).certificate")
            #expect(block.certificate.serializedSize == (try item["certificate_len"].int), "\(item.path)")
            #expect(block.txids.map(\.hex) == (try item["txids"].array.map { try $0.string }), "\(item.path).txids")
            let transactions = try item["transactions"].array.map { try $0.bytes }
            #expect(block.transactions.map { $0.serialized() } == transactions, "\(item.path).transactions")
        }
    }

    @Test func everyVariant_linspaceAndOrderParameterAreBitExact() throws {
        for item in try Vectors.load("genesis.json")["genesis"].array {
            let block = try Self.build(item["args"])
            let expected = try item["linspace_phases_f64_hex"].array.map { try $0.f64FromHex }
            let phases = Genesis.linspace(count: Int(block.header.oscillatorCount))
            #expect(phases.map(\.bitPattern) == expected.map(\.bitPattern), "\(item.path) linspace")
            let (r, psi) = OrderParameter.compute(phases)
            #expect(r.bitPattern == (try item["genesis_r_f64"].f64FromHex).bitPattern, "\(item.path) r")
            #expect(psi.bitPattern == (try item["genesis_psi_f64"].f64FromHex).bitPattern, "\(item.path) psi")
            #expect(block.header.orderParameter == Float(r), "\(item.path) header r")
        }
    }

    @Test func everyVariant_decodesBackAndPassesTheStructureChecks() throws {
        for item in try Vectors.load("genesis.json")["genesis"].array {
            let bytes = try item["block"].bytes
            let decoded = try Block(decoding: bytes)
            #expect(decoded == (try Self.build(item["args"])), "\(item.path)")
            #expect(decoded.serialized() == bytes, "\(item.path)")
            #expect(decoded.checkStructure() == nil, "\(item.path)")
        }
    }

    @Test func checkpoint_isTheDefaultVariantsHash() throws {
        var checked = 0
        for item in try Vectors.load("genesis.json")["genesis"].array {
            guard try item["args"].keys.isEmpty else { continue }
            #expect(Genesis.hash.hex == (try item["hash"].string), "\(item.path)")
            checked += 1
        }
        #expect(checked > 0, "no variant with default args")
    }
}
