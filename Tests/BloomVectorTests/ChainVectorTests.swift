import BloomChain
import BloomCore
import BloomTestSupport
import Foundation
import Testing

/// `chain.json`: the reference's own chain, decoded, re-encoded and replayed block by block.
@Suite(.dedicatedThread) struct ChainVectorTests {
    @Test func everyBlock_decodesAndReencodesByteExact_withItsFieldsAndTxids() throws {
        let chain = try ChainVectors.loaded.get()
        for (item, bytes) in zip(try chain.file["blocks"].array, chain.blockBytes) {
            let block = try Block(decoding: bytes)
            #expect(block.serialized() == bytes, "\(item.path) re-encoding")
            #expect(block.hash.hex == (try item["hash"].string), "\(item.path) hash")
            #expect(block.header.encoded() == (try item["header"].bytes), "\(item.path) header")
            #expect(block.certificate.encoded() == (try item["certificate"].bytes), "\(item.path) certificate")
            #expect(block.transactions.map { $0.serialized() } == (try item["transactions"].array.map { try $0.bytes }))
            #expect(block.txids.map(\.hex) == (try item["txids"].array.map { try $0.string }), "\(item.path) txids")
            #expect(bytes.count == (try item["size"].int), "\(item.path) size")

            let fields = try item["header_fields"]
            let header = block.header
            #expect(Int(header.version) == (try fields["version"].int))
            #expect(header.prevHash.hex == (try fields["prev_hash"].string))
            #expect(header.merkleRoot.hex == (try fields["merkle_root"].string))
            #expect(Int(header.timestamp) == (try fields["timestamp"].int))
            #expect(Int(header.difficulty) == (try fields["difficulty"].int))
            #expect(Int(header.nonce) == (try fields["nonce"].int))
            // The JSON holds the f32 widened to f64; Foundation's parser may miss the last f64 bit, so compare as f32.
            #expect(header.orderParameter == Float(try fields["order_parameter_f32"].double))
            #expect(header.meanPhase == Float(try fields["mean_phase_f32"].double))
            #expect(Int(header.oscillatorCount) == (try fields["oscillator_count"].int))
        }
    }

    @Test func replayingTheChain_acceptsEveryBlock_andEndsInFinalChainInfo() throws {
        let chain = try ChainVectors.loaded.get()
        let engine = try ChainEngine(store: InMemoryChainStore(), genesis: chain.genesis)
        #expect(engine.tip.hash.hex == (try chain.file["genesis_hash"].string))

        let items = try chain.file["blocks"].array
        for (item, bytes) in zip(items, chain.blockBytes).dropFirst() {
            let verdict = try engine.submit(bytes, now: ChainVectors.now)
            #expect(verdict.verdict == .accept, "\(item.path): \(verdict)")
            let fitsPlainFrame = try item["fits_uint16_frame"].bool
            #expect((verdict.reason == .validButExceedsUInt16Frame) == !fitsPlainFrame, "\(item.path): \(verdict)")
            #expect(verdict.hash?.hex == (try item["hash"].string))
            #expect(engine.tip.hash.hex == (try item["hash"].string))
            #expect(Int(engine.tip.height) == (try item["height"].int))
        }

        #expect(engine.tip.hash.hex == (try chain.file["tip_hash"].string))
        #expect(Int(engine.tip.height) == (try chain.file["height"].int))

        let expected = try chain.file["final_chain_info"]
        let info = try engine.chainInfo()
        #expect(Int(info.height) == (try expected["height"].int))
        #expect(info.tipHash.hex == (try expected["tip_hash"].string))
        #expect(Double(info.totalWork) == (try expected["total_work"].double))
        #expect(Int(info.totalTransactions) == (try expected["total_transactions"].int))
        #expect(Int(info.utxoCount) == (try expected["utxo_count"].int))
        #expect(Int(info.totalValue) == (try expected["total_value"].int))

        struct Row: Hashable {
            var txid: String, index: Int, amount: UInt64, address: String
        }
        let expectedRows = Set(
            try chain.file["final_utxo_set"].array.map { row in
                let fields = try row.array
                guard fields.count == 4 else { throw Vectors.Malformed(description: "\(row.path) is not a 4-tuple") }
                return Row(
                    txid: try fields[0].string,
                    index: try fields[1].int,
                    amount: try fields[2].uint64,
                    address: try fields[3].string
                )
            }
        )
        let actualRows = Set(
            engine.store.allUnspentOutputs().map { outpoint, entry in
                Row(
                    txid: outpoint.txid.hex,
                    index: Int(outpoint.index),
                    amount: entry.amount,
                    address: entry.address.hex
                )
            }
        )
        #expect(actualRows == expectedRows)
        #expect(actualRows.count == Int(info.utxoCount))
    }

    @Test func resubmittingAStoredBlock_isIgnoredAsAlreadyKnown() throws {
        let chain = try ChainVectors.loaded.get()
        let engine = try ChainVectors.engine(throughHeight: chain.blockBytes.count - 1, store: InMemoryChainStore())
        for bytes in chain.blockBytes {
            let verdict = try engine.submit(bytes, now: ChainVectors.now)
            #expect(verdict.verdict == .ignore && verdict.reason == .alreadyKnown)
        }
    }
}
