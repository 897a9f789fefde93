import BloomBus
import Testing

@testable import BloomServiceKit

@Suite struct ServiceWireTests {
    let sender = SenderID(service: .net, replica: 2, bootID: 0x123456)

    @Test func heartbeat_roundTripsThroughBloomBusFormat() {
        let beat = Heartbeat(service: "bloom-net", replica: 2, pid: 4242, bootID: 0x123456, state: .ready)
        let frames = ServiceWire.frames(beat, sender: sender, sequence: 7)
        #expect(frames[0] == Topic.serviceHeartbeat.frame)
        guard case .heartbeat(let decoded) = ServiceWire.decode(frames) else {
            Issue.record("not a heartbeat")
            return
        }
        #expect(decoded == beat)
    }

    @Test func queryAndReply_keepTheRequestIdCommandArgsAndAnswer() throws {
        let query = QueryMessage(id: 99, cmd: "peers", args: .object(["verbose": .bool(true)]))
        let frames = try #require(ServiceWire.frames(query, to: "bloom-net", sender: sender, sequence: 1))
        #expect(frames[0] == Topic.serviceQuery("bloom-net").frame)
        guard case .query(let decodedQuery) = ServiceWire.decode(frames) else {
            Issue.record("not a query")
            return
        }
        #expect(decodedQuery == query)
        let reply = ReplyMessage(id: 99, replica: 2, ok: false, result: nil, error: "no peers yet")
        guard case .reply(let decodedReply) = ServiceWire.decode(ServiceWire.frames(reply, sender: sender, sequence: 2))
        else {
            Issue.record("not a reply")
            return
        }
        #expect(decodedReply == reply)
    }

    @Test func decode_whenFramesAreMalformed_returnsNil() {
        #expect(ServiceWire.decode([]) == nil)
        #expect(ServiceWire.decode([Topic.serviceHeartbeat.frame, [1, 2, 3]]) == nil)
        var frames = ServiceWire.frames(
            ReplyMessage(id: 1, replica: 0, ok: true, result: .null, error: nil),
            sender: sender,
            sequence: 1
        )
        frames[1] = Array(frames[1].dropLast())
        #expect(ServiceWire.decode(frames) == nil)
    }
}
