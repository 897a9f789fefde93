import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

@Suite("Bus round trips through the forwarder")
struct BusRoundTripTests {
    static let net = SenderID(service: .net, replica: 0, bootID: 0x00_0A0B)
    static let sync = SenderID(service: .sync, replica: 0, bootID: 0x00_0C0D)

    @Test("a message published by one client reaches another over ipc through the forwarder")
    func publish_overIPC_reachesSubscriber() async throws {
        let directory = try TemporaryDirectory()
        let endpoints = try BusEndpoints.prepare(dataDirectory: directory.path)
        let context = try ZMQContext.make()
        let forwarder = try BusForwarder(endpoints: endpoints)
        let publisher = try BusClient(endpoints: endpoints, sender: Self.sync, context: context)
        let subscriber = try BusClient(endpoints: endpoints, sender: Self.net, context: context)
        let tip = ChainTip(
            height: 41,
            hash: Hash256(bytes: [UInt8](repeating: 0xAB, count: 32)) ?? .zero,
            parentHash: Hash256(bytes: [UInt8](repeating: 0xAC, count: 32)) ?? .zero,
            certificateHash: Hash256(bytes: [UInt8](repeating: 0xAD, count: 32)) ?? .zero
        )

        let received = try await withHangGuard {
            subscriber.subscribe(.chainTip)
            try await subscriber.joined()
            try await publisher.joined()
            publisher.publish(.chainTip, tip)
            var iterator = subscriber.messages.makeAsyncIterator()
            return try #require(await iterator.next())
        }
        #expect(received.topic == .chainTip)
        #expect(received.envelope.sender == Self.sync)
        #expect(received.envelope.kind == .event)
        #expect(received.envelope.sequence == 1)
        #expect(try received.decode(ChainTip.self) == tip)
        #expect(subscriber.statistics.dropped == 0)

        publisher.stop()
        subscriber.stop()
        forwarder.stop()
        await publisher.stopped()
        await subscriber.stopped()
        await forwarder.stopped()
    }

    @Test("envelope fields (kind, flags, peer id, request id) survive the trip")
    func publish_envelopeFields_survive() async throws {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: Self.net)
        let peer = PeerID(replica: 1, bootID: 0xABCDEF, counter: 7)
        client.publish(
            .serviceReply,
            ServiceReply(json: Array(#"{"ok":true}"#.utf8)),
            kind: .reply,
            flags: .error,
            peerID: peer,
            requestID: 99
        )
        let (message, reply) = try await mock.next(ServiceReply.self, topic: .serviceReply)
        #expect(message.envelope.kind == .reply)
        #expect(message.envelope.flags == .error)
        #expect(message.envelope.peerID == peer)
        #expect(message.envelope.requestID == 99)
        #expect(message.envelope.sender == Self.net)
        #expect(reply.json == Array(#"{"ok":true}"#.utf8))
        client.stop()
        await client.stopped()
    }
}
