import BloomBus
import BloomCore
import Testing

@Suite("In-memory bus double")
struct InMemoryBusTests {
    @Test("delivers by exact topic or prefix, with envelopes and sequence numbers, and never BLOCKS to BLOCK")
    func delivery_followsBusRules() async throws {
        let hub = InMemoryBusHub()
        let net = hub.connect(as: .newBoot(service: .net))
        let sync = hub.connect(as: .newBoot(service: .sync))
        let gossip = hub.connect(as: .newBoot(service: .gossip))
        sync.subscribe(.p2pIn("BLOCK"))
        gossip.subscribe(prefix: Topic.p2pInPrefix)
        net.publish(.p2pIn("BLOCKS"), P2PIn(payload: [1]), peerID: PeerID(rawValue: 5))
        net.publish(.p2pIn("BLOCK"), P2PIn(payload: [2]), peerID: PeerID(rawValue: 5))
        net.publish(.p2pIn("BLOCK"), P2PIn(payload: [3]))

        var syncMessages = sync.messages.makeAsyncIterator()
        let first = try #require(await syncMessages.next())
        #expect(first.topic == .p2pIn("BLOCK"))
        #expect(first.payload == [2])
        #expect(first.envelope.sequence == 1)
        #expect(first.envelope.peerID == PeerID(rawValue: 5))
        #expect(first.envelope.sender == net.sender)
        #expect(try #require(await syncMessages.next()).envelope.sequence == 2)

        var gossipMessages = gossip.messages.makeAsyncIterator()
        var topics: [String] = []
        for _ in 0..<3 { topics.append(try #require(await gossipMessages.next()).topic.name) }
        #expect(topics == ["p2p.in.BLOCKS", "p2p.in.BLOCK", "p2p.in.BLOCK"])
        #expect(hub.history.count == 3)

        sync.stop()
        #expect(await syncMessages.next() == nil)
        #expect(!sync.publish(.chainTip, payload: []))
    }
}
