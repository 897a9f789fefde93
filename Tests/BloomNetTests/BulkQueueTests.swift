import BloomBus
@testable import BloomNet
import BloomTestSupport
import BloomWire
import Foundation
import Testing

/// Relays before bulk answers on a peer's socket (issue 15, GETHEADERS flood: a new block waited seconds behind
/// answers to floods). Answers to a peer's requests (`p2p.out` with the bulk flag) go to the channel only within
/// the peer's bulk budget; a relay written meanwhile goes straight to the channel, so it waits behind that budget
/// at most, never behind the whole backlog. Order is asserted, never time.
@Suite("bloom-net: relays before bulk answers", .serialized, .dedicatedThread)
struct BulkQueueTests {
    /// `count` BLOCKS answers of 500 hashes (16 KiB) each.
    private func answers(_ count: Int) -> [[UInt8]] {
        (0..<count).map { index in Wire.blocksPayload((0..<500).map { Wire.hash(index * 500 + $0) }) }
    }

    @Test("a relay queued behind 60 bulk answers reaches the peer before all but the budget's worth of them")
    func relayOvertakesBulkBacklog() throws {
        let node = try NodeHarness(host: "127.0.11.1")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.11.2", port: 9_301))
        let bulk = answers(60)
        let relay = [UInt8](repeating: 0x42, count: 200)
        // One loop turn: every answer queued, then the relay, before the first flush reaches the socket. Without
        // the budget all 60 answers would sit in the channel ahead of the relay.
        try node.node.eventLoop.submit {
            for payload in bulk { node.node.send(type: .blocks, payload: payload, to: .one(id), bulk: true) }
            node.node.send(type: .block, payload: relay, to: .one(id))
        }.wait()
        let frames = try #require(peer.readFrames(until: .block, limit: 100))
        let before = frames.count - 1
        let budgetFrames = (node.node.configuration.bulkBytesInFlight + bulk[0].count + 6) / (bulk[0].count + 3)
        #expect(before <= budgetFrames, "\(before) bulk answers went out before the relay")
        #expect(before < bulk.count)
        // The rest still arrives, in order, after it.
        var rest = 0
        while rest < bulk.count - before, let frame = peer.readFrame() {
            #expect(frame.type == .blocks)
            #expect(frame.payload == bulk[before + rest])
            rest += 1
        }
        #expect(rest == bulk.count - before)
    }

    @Test("a plain send keeps arrival order: without the bulk flag the relay waits behind every answer")
    func withoutTheFlag_fifo() throws {
        let node = try NodeHarness(host: "127.0.11.3")
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.11.4", port: 9_302))
        let bulk = answers(20)
        try node.node.eventLoop.submit {
            for payload in bulk { node.node.send(type: .blocks, payload: payload, to: .one(id)) }
            node.node.send(type: .block, payload: [UInt8](repeating: 0x42, count: 200), to: .one(id))
        }.wait()
        let frames = try #require(peer.readFrames(until: .block, limit: 100))
        #expect(frames.count == bulk.count + 1)
    }

    @Test("p2p.flow counts the bulk queue: full while answers wait, open once the peer has read them")
    func flowCountsTheBulkQueue() throws {
        let node = try NodeHarness(host: "127.0.11.5") {
            $0.bulkBytesInFlight = 16 * 1024
            $0.sendQueueLowWater = 16 * 1024
            $0.sendQueueHighWater = 64 * 1024
            $0.maxSendQueueBytes = 32 * 1024 * 1024
        }
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.11.6", port: 9_303))
        let payload = [UInt8](repeating: 7, count: 32 * 1024)
        // Far more than the socket buffers hold while the peer reads nothing.
        let count = 300
        try node.node.eventLoop.submit {
            for _ in 0..<count { node.node.send(type: .tx, payload: payload, to: .one(id), bulk: true) }
        }.wait()
        func flow(_ open: Bool) -> Bool? {
            node.sink.wait { events in
                events.contains { if case .flow(let p, let o) = $0 { p == id && o == open } else { false } } ? true : nil
            }
        }
        #expect(flow(false) == true)
        var read = 0
        while read < count, let frame = peer.readFrame() {
            #expect(frame.payload.count == payload.count)
            read += 1
        }
        #expect(read == count)
        #expect(flow(true) == true)
        #expect(!node.sink.all.contains { if case .disconnected(let p, _, _) = $0 { p == id } else { false } })
    }

    @Test("the bus consumer applies a batch's relays before its bulk answers, each in its own order")
    func busBatch_relaysFirst() {
        let sender = SenderID(service: .sync, replica: 0, bootID: 1)
        func out(_ type: MessageType, _ tag: UInt8, bulk: Bool) -> BusMessage {
            let payload = P2POut(messageType: type.rawValue, target: .peer(PeerID(rawValue: 1)), payload: [tag])
            return BusMessage(
                topic: .p2pOut,
                envelope: Envelope(flags: bulk ? [.bulk] : [], sender: sender),
                payload: payload.encoded()
            )
        }
        let control = BusMessage(
            topic: .p2pControl,
            envelope: Envelope(sender: sender),
            payload: P2PControl.disconnect(peer: PeerID(rawValue: 2), reason: "x").encoded()
        )
        let batch = [out(.headers, 1, bulk: true), control, out(.headers, 2, bulk: true), out(.block, 3, bulk: false)]
        let ordered = NetBusBridge.relaysFirst(batch).map { message -> String in
            guard message.topic == .p2pOut, let decoded = try? message.decode(P2POut.self) else { return "ctl" }
            return "\(decoded.payload[0])"
        }
        #expect(ordered == ["ctl", "3", "1", "2"])
    }

    @Test("a peer that resets while answers wait is let go, and the node goes on serving")
    func resetWhileAnswersWait() throws {
        let node = try NodeHarness(host: "127.0.11.7") {
            $0.bulkBytesInFlight = 16 * 1024
            $0.maxSendQueueBytes = 32 * 1024 * 1024
        }
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.11.8", port: 9_304))
        let payload = [UInt8](repeating: 7, count: 32 * 1024)
        try node.node.eventLoop.submit {
            for _ in 0..<300 { node.node.send(type: .tx, payload: payload, to: .one(id), bulk: true) }
        }.wait()
        // RST: the writes in flight fail, and the queued answers behind them must not be pushed after them.
        var linger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(peer.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        // The socket's only descriptor is replaced by /dev/null (closing the socket, with the RST), so the peer's
        // own close later closes /dev/null, not a descriptor someone else got meanwhile.
        let null = open("/dev/null", O_RDONLY)
        #expect(dup2(null, peer.fd) == peer.fd)
        close(null)
        #expect(node.sink.disconnected(id) != nil)
        let (other, otherID) = try #require(try node.handshakenPeer(from: "127.0.11.9", port: 9_305))
        node.node.send(type: .tx, payload: [1], to: .one(otherID))
        #expect(other.readFrame()?.type == .tx)
    }
}
