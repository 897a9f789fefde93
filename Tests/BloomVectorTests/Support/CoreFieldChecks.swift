import BloomCore
import Testing

/// Field-by-field comparisons of decoded core values with the vectors' `fields` objects, shared by the header,
/// genesis and certificate vector tests.
enum CoreFieldChecks {
    /// An f32 equals a JSON number (NaN equals "NaN"). The JSON text is the f32 widened to f64; it is compared
    /// after rounding to f32 because the JSON parser may miss the f64 by an ulp, which the rounding absorbs.
    static func same(_ value: Float, _ json: JSON) throws -> Bool {
        let expected = try json.double
        return expected.isNaN ? value.isNaN : Float(expected).bitPattern == value.bitPattern
    }

    /// A JSON number equals `value` within a few ulps (the JSON parser does not always round correctly; exact
    /// bits are checked through the `f64` hex fields).
    static func close(_ value: Double, _ json: JSON) throws -> Bool {
        let expected = try json.double
        return expected.isNaN ? value.isNaN : abs(expected - value) <= 4 * value.ulp
    }

    /// Checks every header field against `fields` (as in headers.json and genesis.json).
    static func expectHeader(_ header: BlockHeader, equals fields: JSON) throws {
        let at = fields.path
        #expect(UInt64(header.version) == (try fields["version"].uint64), "\(at).version")
        #expect(header.prevHash.hex == (try fields["prev_hash"].string), "\(at).prev_hash")
        #expect(header.merkleRoot.hex == (try fields["merkle_root"].string), "\(at).merkle_root")
        #expect(UInt64(header.timestamp) == (try fields["timestamp"].uint64), "\(at).timestamp")
        #expect(UInt64(header.difficulty) == (try fields["difficulty"].uint64), "\(at).difficulty")
        if let hex = fields.optional("difficulty_hex") {
            #expect(UInt64(header.difficulty) == (try hex.hexOrInt), "\(at).difficulty_hex")
        }
        #expect(UInt64(header.nonce) == (try fields["nonce"].uint64), "\(at).nonce")
        #expect(try same(header.orderParameter, fields["order_parameter_f32"]), "\(at).order_parameter_f32")
        #expect(try same(header.meanPhase, fields["mean_phase_f32"]), "\(at).mean_phase_f32")
        #expect(UInt64(header.oscillatorCount) == (try fields["oscillator_count"].uint64), "\(at).oscillator_count")
    }

    /// Checks the header hashing details: Lucas index, trace and prefix, preimage and bloom_hash, and (when
    /// present) the hash as a little-endian integer in decimal.
    static func expectHashDetail(_ header: BlockHeader, equals item: JSON) throws {
        let at = item.path
        let index = UInt64(header.nonce % 1000)
        #expect(index == (try item["lucas_index"].uint64), "\(at).lucas_index")
        #expect(UInt64(Lucas.trace(index)) == (try item["lucas_trace"].uint64), "\(at).lucas_trace")
        #expect(Array(header.hashPreimage.prefix(4)) == (try item["lucas_prefix"].bytes), "\(at).lucas_prefix")
        #expect(header.hashPreimage == (try item["hash_preimage"].bytes), "\(at).hash_preimage")
        #expect(Array(header.hashPreimage.dropFirst(4)) == header.encoded(), "\(at) preimage tail is the header")
        #expect(header.hash.hex == (try item["bloom_hash"].string), "\(at).bloom_hash")
        #expect(SHA256d.hash(header.hashPreimage) == header.hash, "\(at) hash is SHA256d(preimage)")
        if let decimal = item.optional("hash_as_int_le") {
            let bigEndian = Array(header.hash.bytes.reversed())
            #expect(BigNumberText.decimal(bigEndian: bigEndian) == (try decimal.string), "\(at).hash_as_int_le")
        }
    }
}
