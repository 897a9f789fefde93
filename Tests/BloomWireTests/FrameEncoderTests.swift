import BloomCore
import BloomTestSupport
import Testing

@testable import BloomWire

@Suite(.dedicatedThread) struct FrameEncoderTests {
    @Test func plainFrame_isTypeLengthPayloadInOneArray() throws {
        let frame = try FrameEncoder().frame(type: .coherence, payload: [1, 2, 3])
        #expect(frame == [0x22, 3, 0, 1, 2, 3])
        #expect(try FrameEncoder().frame(type: .verack, payload: []) == [0x02, 0, 0])
    }

    @Test func payload65535_withoutNegotiation_usesAPlainFFFFLength() throws {
        let frame = try FrameEncoder().frame(type: .block, payload: [UInt8](repeating: 0, count: 65_535))
        #expect(Array(frame.prefix(3)) == [0x13, 0xff, 0xff])
        #expect(frame.count == 3 + 65_535)
    }

    @Test func payload65535_withNegotiation_usesTheEscapeForm() throws {
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        let frame = try encoder.frame(type: .block, payload: [UInt8](repeating: 0, count: 65_535))
        #expect(Array(frame.prefix(7)) == [0x13, 0xff, 0xff, 0xff, 0xff, 0, 0])
        #expect(frame.count == 7 + 65_535)
    }

    @Test func payload65534_withNegotiation_staysPlain() throws {
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        let frame = try encoder.frame(type: .block, payload: [UInt8](repeating: 0, count: 65_534))
        #expect(Array(frame.prefix(3)) == [0x13, 0xfe, 0xff])
        #expect(frame.count == 3 + 65_534)
    }

    @Test func payloadAbove65535_withoutNegotiation_cannotBeFramed() {
        let encoder = FrameEncoder()
        #expect(!encoder.canFrame(payloadLength: 65_536))
        #expect(throws: FrameEncodingError(type: .block, payloadLength: 65_536, limit: 65_535)) {
            try encoder.frame(type: .block, payload: [UInt8](repeating: 0, count: 65_536))
        }
    }

    @Test func payloadAboveMaxMessageSize_withNegotiation_cannotBeFramed() throws {
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        #expect(encoder.canFrame(payloadLength: BloomConstants.maxMessageSize))
        #expect(!encoder.canFrame(payloadLength: BloomConstants.maxMessageSize + 1))
        #expect(throws: FrameEncodingError.self) {
            try encoder.header(type: .block, payloadLength: BloomConstants.maxMessageSize + 1)
        }
        #expect(try encoder.header(type: .block, payloadLength: 70_000) == [0x13, 0xff, 0xff, 0x70, 0x11, 0x01, 0x00])
    }

    @Test func messageFrame_equalsHeaderPlusEncodedPayload_andDecodesBack() throws {
        let hash = Hash256(bytes: [UInt8](repeating: 7, count: 32))!
        let messages: [PeerMessage] = [
            .version(VersionMessage(height: 9, timestamp: 1_700_000_000, port: 7618)),
            .version(VersionMessage(height: 1, timestamp: 2, port: 3, services: nil)),
            .verack,
            .getBlocks(HeightRange(startHeight: 1, count: 500)),
            .blocks([hash, hash]),
            .getData(.hash(hash)),
            .getData(.height(12)),
            .block([1, 2, 3]),
            .tx([]),
            .phase(PhaseMessage(r: 0.5, psi: 1, phases: [0.25, 3])),
            .getPhase,
            .coherence(CoherenceMessage(r: 0.9, psi: 1.0)),
            .bloom([9, 9]),
            .getHeaders(HeightRange(startHeight: 4, count: 2000)),
            .headers([[UInt8](repeating: 1, count: 92), [UInt8](repeating: 2, count: 92)]),
            .getBlockData([hash]),
            .notFound([]),
        ]
        let encoder = FrameEncoder(largeFramesNegotiated: true)
        for message in messages {
            let frame = try encoder.frame(message)
            let payload = message.encodedPayload()
            #expect(payload.count == message.payloadLength, "\(message.type)")
            #expect(frame == (try encoder.frame(type: message.type, payload: payload)), "\(message.type)")
            var decoder = FrameDecoder(largeFramesNegotiated: true)
            try decoder.append(frame)
            let decoded = try #require(try decoder.next())
            #expect(MessageClassifier.classify(decoded, peerServices: .node) == .accept(message), "\(message.type)")
        }
    }
}
