import BloomCore
import BloomTestSupport
import Testing

/// transactions.json: fields, serialization, signing bytes, txid, coinbase shape and construction, structure
/// rules, rewards and the strict TX decoder, exact.
@Suite(.dedicatedThread) struct TransactionVectorTests {
    @Test func everyTransaction_decodesToItsFields() throws {
        let transactions = try Vectors.load("transactions.json")["transactions"].array
        #expect(!transactions.isEmpty)
        for item in transactions {
            let tx = try Transaction(decoding: try item["serialized"].bytes)
            let at = item.path
            #expect(UInt64(tx.version) == (try item["version"].uint64), "\(at).version")
            #expect(UInt64(tx.locktime) == (try item["locktime"].uint64), "\(at).locktime")
            let inputs = try item["inputs"].array
            #expect(tx.inputs.count == inputs.count, "\(at).inputs")
            for (input, expected) in zip(tx.inputs, inputs) {
                #expect(input.prevTx.hex == (try expected["prev_tx"].string), "\(expected.path).prev_tx")
                #expect(UInt64(input.outputIndex) == (try expected["output_index"].uint64), "\(expected.path)")
                #expect(input.signature == (try expected["signature"].bytes), "\(expected.path).signature")
            }
            let outputs = try item["outputs"].array
            #expect(tx.outputs.count == outputs.count, "\(at).outputs")
            for (output, expected) in zip(tx.outputs, outputs) {
                #expect(output.amount == (try expected["amount"].uint64), "\(expected.path).amount")
                #expect(output.address.hex == (try expected["address"].string), "\(expected.path).address")
            }
        }
    }

    @Test func everyTransaction_serializesSignsAndHashesAsTheReference() throws {
        for item in try Vectors.load("transactions.json")["transactions"].array {
            let serialized = try item["serialized"].bytes
            let tx = try Transaction(decoding: serialized)
            #expect(tx.serialized() == serialized, "\(item.path).serialized")
            #expect(tx.serializedSize == (try item["serialized_size"].int), "\(item.path).serialized_size")
            #expect(serialized.count == (try item["serialized_size"].int), "\(item.path).serialized_size")
            #expect(tx.signingBytes() == (try item["signing_bytes"].bytes), "\(item.path).signing_bytes")
            #expect(tx.txid.hex == (try item["txid"].string), "\(item.path).txid")
            #expect(tx.isCoinbaseShaped == (try item["is_coinbase"].bool), "\(item.path).is_coinbase")
            #expect(tx.hasValidStructure == (try item["validate_structure"]["ok"].bool), "\(item.path).validate_structure")
        }
    }

    @Test func everyTransaction_encodedFromItsFieldsEqualsTheBytes() throws {
        for item in try Vectors.load("transactions.json")["transactions"].array {
            let inputs = try item["inputs"].array.map { input in
                TxInput(
                    prevTx: try #require(Hash256(hex: try input["prev_tx"].string)),
                    outputIndex: UInt32(try input["output_index"].uint64),
                    signature: try input["signature"].bytes
                )
            }
            let outputs = try item["outputs"].array.map { output in
                TxOutput(amount: try output["amount"].uint64,
                         address: try #require(Hash256(hex: try output["address"].string)))
            }
            let tx = Transaction(version: UInt32(try item["version"].uint64), inputs: inputs, outputs: outputs,
                                 locktime: UInt32(try item["locktime"].uint64))
            #expect(tx.serialized() == (try item["serialized"].bytes), "\(item.path)")
        }
    }

    @Test func coinbaseArgs_rebuildTheSameCoinbase() throws {
        var checked = 0
        for item in try Vectors.load("transactions.json")["transactions"].array {
            guard let args = item.optional("coinbase_args") else { continue }
            let coinbase = Transaction.coinbase(
                height: UInt32(try args["height"].uint64),
                address: try #require(Hash256(hex: try args["address"].string)),
                fees: try args["fees"].uint64,
                extraData: try args["extra_data"].bytes
            )
            #expect(coinbase.serialized() == (try item["serialized"].bytes), "\(item.path)")
            #expect(coinbase.txid.hex == (try item["txid"].string), "\(item.path)")
            #expect(coinbase.isCoinbaseShaped, "\(item.path)")
            checked += 1
        }
        #expect(checked > 0)
    }

    @Test func blockRewards_matchEveryHeight() throws {
        let rewards = try Vectors.load("transactions.json")["block_rewards"].array
        #expect(!rewards.isEmpty)
        for item in rewards {
            let height = try item["height"].uint64
            #expect(Transaction.blockReward(height: height) == (try item["reward"].uint64), "\(item.path)")
        }
    }

    @Test func deserializeCases_matchRecommendedStrictDecoding() throws {
        let cases = try Vectors.load("transactions.json")["deserialize_cases"].array
        #expect(!cases.isEmpty)
        for item in cases {
            let bytes = try item["bytes"].bytes
            let outcome: ReasonCode
            do {
                _ = try Transaction(decoding: bytes)
                outcome = .valid
            } catch {
                outcome = ReasonCode(error)
            }
            let recommended = try item["recommended"]
            #expect((outcome == .valid) == (try recommended["accept"].bool), "\(item.path)")
            #expect(outcome.rawValue == (try recommended["reason"].string), "\(item.path)")
        }
    }

    /// The reference's lenient decoder reads one transaction and ignores what follows; the node's reader-based
    /// decoder must consume the same bytes and give the same txid (or fail where it failed).
    @Test func deserializeCases_readerDecoderAgreesWithTheLenientReference() throws {
        for item in try Vectors.load("transactions.json")["deserialize_cases"].array {
            let bytes = try item["bytes"].bytes
            let reference = try item["reference_deserialize"]
            let result = Result { () throws(DecodeError) -> (Transaction, Int) in
                try bytes.withByteReader { (reader: inout ByteReader) throws(DecodeError) in
                    (try Transaction(from: &reader), reader.position)
                }
            }
            switch result {
            case .success(let (tx, consumed)):
                #expect(try reference["accepted"].bool, "\(item.path)")
                #expect(consumed == (try reference["bytes_consumed"].int), "\(item.path).bytes_consumed")
                #expect(tx.txid.hex == (try reference["txid"].string), "\(item.path).txid")
            case .failure:
                #expect(!(try reference["accepted"].bool), "\(item.path)")
            }
        }
    }
}
