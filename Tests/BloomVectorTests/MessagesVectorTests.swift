import BloomCore
import BloomTestSupport
import BloomWire
import Foundation
import Testing

/// `messages.json` (spec §2): every frame decoded, compared field by field and re-encoded byte for byte; every
/// malformed item fed to the message layer; and `constants.json`'s type table against ``MessageType``.
@Suite(.dedicatedThread) struct MessagesVectorTests {
    /// The services a peer must have advertised for a frame with this `needs` (nil: a plain reference peer).
    /// A `BULK_SYNC` peer also sets `LARGE_FRAMES`, or its `BULK_SYNC` bit is ignored (§2.5 item 12).
    static func peerServices(needs: JSON?) throws -> ServiceFlags {
        guard let needs else { return [] }
        let name = try needs.string
        guard let flag = ServiceFlags(specName: name) else {
            throw Vectors.Malformed(description: "\(needs.path): unknown service \(name)")
        }
        return flag.contains(.bulkSync) ? [flag, .largeFrames] : flag
    }

    /// The peer's services in a `connection` description: the number after "services" (this node sends 7).
    static func peerServices(connection: String) throws -> ServiceFlags {
        let words = connection.split(separator: " ")
        guard let index = words.firstIndex(of: "services"), index + 1 < words.count,
              let value = UInt64(words[index + 1])
        else { throw Vectors.Malformed(description: "no services number in connection \"\(connection)\"") }
        return ServiceFlags(rawValue: value)
    }

    /// nil when equal; otherwise where two byte strings first differ (large frames would flood the test log).
    static func difference(_ actual: [UInt8], _ expected: [UInt8]) -> String? {
        guard actual != expected else { return nil }
        let shorter = min(actual.count, expected.count)
        let index = zip(actual, expected).enumerated().first { $1.0 != $1.1 }?.offset ?? shorter
        return "lengths \(actual.count) vs \(expected.count), first difference at byte \(index)"
    }

    /// An f32 written as its exact widening to a JSON number. Foundation's JSON parser on Linux may land an ulp
    /// or two of f64 away from the written decimal; rounding back to f32 is exact, since an f32 value is never
    /// near an f32 rounding midpoint.
    static func wireFloat(_ json: JSON) throws -> Float {
        Float(try json.double)
    }

    static func hashes(_ json: JSON) throws -> [Hash256] {
        try json.array.map { item in
            guard let hash = Hash256(hex: try item.string) else {
                throw Vectors.Malformed(description: "\(item.path) not a hash")
            }
            return hash
        }
    }

    @Test func everyMessage_decodesToItsFields_andReencodesToTheSameFrame() throws {
        let file = try Vectors.load("messages.json")
        for item in try file["messages"].array {
            let type = MessageType(rawValue: UInt8(try item["type"].int))
            let frameBytes = try item["frame"].bytes
            let payload = try item["payload"].bytes
            let services = try Self.peerServices(needs: item.optional("needs"))
            let negotiated = try item["escape_frame"].bool || services.effective.contains(.largeFrames)

            #expect(type.name == (try item["type_name"].string), "\(item.path)")
            var decoder = FrameDecoder(largeFramesNegotiated: negotiated)
            try decoder.append(frameBytes)
            let frame = try #require(try decoder.next(), "\(item.path): no frame")
            #expect(try decoder.next() == nil)
            try decoder.finish()
            #expect(frame.type == type, "\(item.path)")
            #expect(Self.difference(frame.payload, payload) == nil, "\(item.path): payload")
            #expect(frame.payload.count == (try item["payload_len"].int), "\(item.path)")

            guard case .accept(let message) = MessageClassifier.classify(frame, peerServices: services) else {
                Issue.record("\(item.path): not accepted")
                continue
            }
            let reencoded = try FrameEncoder(largeFramesNegotiated: negotiated).frame(message)
            #expect(Self.difference(reencoded, frameBytes) == nil, "\(item.path): re-encoded frame")
            try Self.checkFields(message, item["fields"], item: item)
        }
    }

    /// Compares every `fields` entry with the decoded message. Entries that describe context (where the bytes came
    /// from) rather than content are listed per type; any other key is a failure, so a schema change is noticed.
    static func checkFields(_ message: PeerMessage, _ fields: JSON, item: JSON) throws {
        var checked: Set<String> = []
        var context: Set<String> = []
        func expectEqual<T: Equatable>(_ key: String, _ actual: T, _ expected: (JSON) throws -> T) throws {
            checked.insert(key)
            let value = try expected(try fields[key])
            #expect(actual == value, "\(item.path).fields.\(key): \(actual) != \(value)")
        }
        switch message {
        case .version(let v):
            try expectEqual("protocol_version", Int(v.protocolVersion)) { try $0.int }
            try expectEqual("height", Int(v.height)) { try $0.int }
            try expectEqual("timestamp", v.timestamp) { try $0.uint64 }
            try expectEqual("port", Int(v.port)) { try $0.int }
            try expectEqual("services", v.advertisedServices.rawValue) { try $0.uint64 }
        case .verack, .getPhase:
            break
        case .getBlocks(let range), .getHeaders(let range):
            try expectEqual("start_height", Int(range.startHeight)) { try $0.int }
            try expectEqual("count", Int(range.count)) { try $0.int }
        case .blocks(let list), .getBlockData(let list), .notFound(let list):
            try expectEqual("n", list.count) { try $0.int }
            try expectEqual("hashes", list) { try hashes($0) }
        case .getData(.hash(let hash)):
            try expectEqual("hash", hash) { try #require(Hash256(hex: try $0.string)) }
        case .getData(.height(let height)):
            try expectEqual("height", Int(height)) { try $0.int }
        case .phase(let p):
            try expectEqual("r", p.r) { try wireFloat($0) }
            try expectEqual("psi", p.psi) { try wireFloat($0) }
            try expectEqual("n", p.phases.count) { try $0.int }
            try expectEqual("phases", p.phases) { try $0.array.map(wireFloat) }
        case .coherence(let c):
            try expectEqual("r", c.r) { try wireFloat($0) }
            try expectEqual("psi", c.psi) { try wireFloat($0) }
        case .block(let bytes):
            if try item["escape_frame"].bool {
                // Escape frames carry filler, not a block: they test the frame layer only.
                try expectEqual("real_length", bytes.count) { try $0.int }
                context = ["filler"]
            } else {
                let block = try Block(decoding: bytes)
                #expect(block.serialized() == bytes, "\(item.path): block re-serialization")
                try expectEqual("hash", block.hash) { try #require(Hash256(hex: try $0.string)) }
                // The coinbase's input carries the block height as its output index (§4.3).
                let coinbase = try #require(block.transactions.first, "\(item.path): no coinbase")
                #expect(coinbase.isCoinbaseShaped, "\(item.path)")
                try expectEqual("height", Int(try #require(coinbase.inputs.first).outputIndex)) { try $0.int }
            }
        case .tx(let bytes):
            let tx = try Transaction(decoding: bytes)
            #expect(tx.serialized() == bytes, "\(item.path): tx re-serialization")
            try expectEqual("txid", tx.txid) { try #require(Hash256(hex: try $0.string)) }
        case .bloom(let bytes):
            let certificate = try ConsensusCertificate(decoding: bytes)
            #expect(certificate.encoded() == bytes, "\(item.path): certificate re-encoding")
            try expectEqual("length", bytes.count) { try $0.int }
            context = ["certificate_of_block_height"]
        case .headers(let headers):
            try expectEqual("n", headers.count) { try $0.int }
            try expectEqual("headers", headers) { try $0.array.map { try $0.bytes } }
            let decoded = try headers.map { raw in try BlockHeader(decoding: raw) }
            #expect(decoded.map { $0.encoded() } == headers, "\(item.path): header re-encoding")
            try expectEqual("hashes", decoded.map(\.hash)) { try hashes($0) }
            context = ["start_height"]
        }
        let unexpected = Set(try fields.keys).subtracting(checked).subtracting(context)
        #expect(unexpected.isEmpty, "\(item.path).fields has unchecked keys \(unexpected.sorted())")
    }

    /// The outcome of the whole message layer for a byte stream: frames through the classifier, then EOF.
    static func action(of stream: [UInt8], peerServices: ServiceFlags) -> [WireVerdict] {
        let negotiated = BloomWire.nodeServices.contains(.largeFrames) && peerServices.contains(.largeFrames)
        var decoder = FrameDecoder(largeFramesNegotiated: negotiated)
        var verdicts: [WireVerdict] = []
        do {
            try decoder.append(stream)
            while let frame = try decoder.next() {
                verdicts.append(MessageClassifier.classify(frame, peerServices: peerServices).verdict)
            }
            try decoder.finish()
        } catch {
            verdicts.append(error.verdict)
        }
        return verdicts
    }

    @Test func everyMalformedItem_getsItsAction() throws {
        let file = try Vectors.load("messages.json")
        for item in try file["malformed"].array {
            let services = try Self.peerServices(connection: try item["connection"].string)
            let negotiated = BloomWire.nodeServices.contains(.largeFrames) && services.contains(.largeFrames)
            let stream: [UInt8]
            if let frame = item.optional("frame") {
                stream = try frame.bytes
            } else {
                let type = MessageType(rawValue: UInt8(try item["type"].int))
                let payload = try item["payload"].bytes
                #expect(payload.count == (try item["payload_len"].int), "\(item.path)")
                stream = try FrameEncoder(largeFramesNegotiated: negotiated).frame(type: type, payload: payload)
            }
            let verdicts = Self.action(of: stream, peerServices: services)
            let expected = try item["action"].string
            #expect(verdicts.map(\.rawValue) == [expected], "\(item.path): \(verdicts) vs \(expected)")
        }
    }

    @Test func constantsMessageTypes_matchMessageType() throws {
        let table = try Vectors.load("constants.json")["message_types"]
        var seen: [MessageType] = []
        for key in try table.keys {
            let code = try table[key].hexOrInt
            let type = MessageType(rawValue: try #require(UInt8(exactly: code), "\(key)"))
            #expect(key == "MSG_" + (type.name ?? "?"), "\(key) = \(code) is \(type)")
            #expect(!type.isBulkSync, "\(key)")
            seen.append(type)
        }
        #expect(Set(seen) == Set(MessageType.referenceTypes))
    }
}
