import BloomBus
import BloomCore
import BloomTestSupport
import Testing

@Suite("Topics")
struct TopicTests {
    @Test("a topic frame is the name followed by one NUL")
    func frame_endsWithTerminator() {
        #expect(Topic.chainTip.frame == Array("chain.tip".utf8) + [0])
        #expect(Topic.p2pIn(messageType: 0x13).name == "p2p.in.BLOCK")
        #expect(Topic.p2pIn(messageType: 0x11).name == "p2p.in.BLOCKS")
        #expect(Topic.p2pIn(messageType: 0x7F).name == "p2p.in.0x7F")
        #expect(Topic.serviceQuery("bloom-net").name == "svc.query.bloom-net")
    }

    @Test("the exact topic frame of BLOCK is not a prefix of BLOCKS")
    func terminator_preventsPrefixMatch() {
        let block = Topic.p2pIn("BLOCK").frame
        let blocks = Topic.p2pIn("BLOCKS").frame
        #expect(!blocks.starts(with: block))
        #expect(blocks.starts(with: Array(Topic.p2pInPrefix.utf8)))
    }

    @Test("decoding a topic frame rejects a missing terminator, a NUL inside, bad UTF-8 and an empty frame")
    func decodeFrame_rejectsMalformed() {
        let cases: [([UInt8], DecodeError.Kind)] = [
            ([], .truncated),
            (Array("chain.tip".utf8), .truncated),
            (Array("chain\0tip".utf8) + [0], .invalidValue),
            ([0xC3, 0x28, 0], .invalidValue),
            ([UInt8](repeating: 0x61, count: Topic.maxNameLength + 1) + [0], .invalidValue),
        ]
        for (frame, kind) in cases {
            let error = #expect(throws: DecodeError.self) { try decodeTopic(frame) }
            #expect(error?.kind == kind)
        }
    }

    @Test("a received topic frame decodes to the same topic")
    func decodeFrame_roundTrip() throws {
        let topic = try decodeTopic(Topic.gossipSealed.frame)
        #expect(topic == .gossipSealed)
        #expect(topic.name == "gossip.sealed")
    }

    @Test("over the bus, a subscriber of p2p.in.BLOCK does not receive p2p.in.BLOCKS")
    func bus_subscriberOfBlock_doesNotReceiveBlocks() async throws {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: .newBoot(service: .sync))
        client.subscribe(.p2pIn("BLOCK"))
        try await mock.waitForSubscription(.p2pIn("BLOCK"))
        mock.publish(.p2pIn("BLOCKS"), P2PIn(payload: [1]))
        mock.publish(.p2pIn("BLOCK"), P2PIn(payload: [2]))
        let first = try await withHangGuard {
            var iterator = client.messages.makeAsyncIterator()
            return try #require(await iterator.next())
        }
        #expect(first.topic == .p2pIn("BLOCK"))
        #expect(first.payload == [2])
        #expect(client.statistics.received == 1)
        client.stop()
        await client.stopped()
    }

    @Test("a prefix subscription receives every topic of the family")
    func bus_prefixSubscription_receivesFamily() async throws {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: .newBoot(service: .gossip))
        client.subscribe(prefix: Topic.p2pInPrefix)
        try await mock.waitForSubscription(prefix: Topic.p2pInPrefix)
        mock.publish(.p2pIn("BLOCKS"), P2PIn(payload: [1]))
        mock.publish(.p2pIn("BLOCK"), P2PIn(payload: [2]))
        let topics = try await withHangGuard {
            var iterator = client.messages.makeAsyncIterator()
            var topics: [String] = []
            while topics.count < 2, let message = await iterator.next() { topics.append(message.topic.name) }
            return topics
        }
        #expect(topics == ["p2p.in.BLOCKS", "p2p.in.BLOCK"])
        client.stop()
        await client.stopped()
    }
}

/// Decodes a topic frame held in an array.
func decodeTopic(_ frame: [UInt8]) throws(DecodeError) -> Topic {
    let result = frame.withUnsafeBytes { raw in Result { () throws(DecodeError) -> Topic in try Topic(frame: raw) } }
    return try result.get()
}
