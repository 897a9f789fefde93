import BloomBus
@testable import BloomNet
import BloomTestSupport
import BloomWire
import Foundation
import Testing

/// Issue 15, GETBLOCKDATA flood: bloom-net reports every answer it wrote (`p2p.flow written`, bloom-sync's credit
/// back) and caps the answer bytes it holds across peers. Sums and bounds are asserted, never time.
@Suite("bloom-net: answer credit and the node's cap", .serialized, .dedicatedThread)
struct BulkCreditTests {
    /// Bytes reported written for `id` in `events`.
    private func written(_ events: [NetEvent], _ id: PeerID) -> Int {
        events.reduce(0) { sum, event in
            if case .written(let peer, let bytes) = event, peer == id { sum + bytes } else { sum }
        }
    }

    @Test("every answer written is reported, in bytes of payload, relays not; an unsendable one is reported too")
    func writtenReports_sumToTheAnswers() throws {
        let node = try NodeHarness(host: "127.0.12.1") { $0.bulkWrittenReport = 16 * 1024 }
        let (peer, id) = try #require(try node.handshakenPeer(from: "127.0.12.2", port: 9_401))
        let (plain, plainID) = try #require(
            try node.handshakenPeer(from: "127.0.12.3", port: 9_402, services: [.blockServe])
        )
        let answers = (0..<30).map { [UInt8](repeating: UInt8($0), count: 1_000 + 997 * $0) }
        let headers = [UInt8](repeating: 0, count: 4)
        try node.node.eventLoop.submit {
            for payload in answers { node.node.send(type: .tx, payload: payload, to: .one(id), bulk: true) }
            node.node.send(type: .block, payload: [1, 2, 3], to: .one(id))
            // HEADERS cannot go to a peer without BULK_SYNC: not sent, but bloom-sync's credit comes back.
            node.node.send(type: .headers, payload: headers, to: .one(plainID), bulk: true)
        }.wait()
        var read = 0
        while read < answers.count + 1, peer.readFrame() != nil { read += 1 }
        #expect(read == answers.count + 1)
        let total = answers.reduce(0) { $0 + $1.count }
        #expect(node.sink.wait { written($0, id) >= total ? true : nil } == true)
        #expect(written(node.sink.all, id) == total)
        #expect(node.sink.wait { written($0, plainID) == headers.count ? true : nil } == true)
        _ = plain
    }

    @Test("past the node's cap a peer over its share is dropped; a peer within its share keeps its answers")
    func nodeCap_dropsThePeerOverItsShare() throws {
        let cap = 1024 * 1024
        let node = try NodeHarness(host: "127.0.12.4") {
            $0.maxBulkHeldBytes = cap
            $0.bulkBytesInFlight = 64 * 1024
            $0.maxSendQueueBytes = 64 * 1024 * 1024
            $0.sendQueueHighWater = 32 * 1024 * 1024
        }
        let (greedy, greedyID) = try #require(try node.handshakenPeer(from: "127.0.12.5", port: 9_403))
        let (modest, modestID) = try #require(try node.handshakenPeer(from: "127.0.12.6", port: 9_404))
        let payload = [UInt8](repeating: 9, count: 32 * 1024)
        // One loop turn: nothing is flushed to a socket meanwhile, so everything queued is held by bloom-net.
        let maxHeld = try node.node.eventLoop.submit { () -> Int in
            var maxHeld = 0
            for _ in 0..<4 {
                node.node.send(type: .tx, payload: payload, to: .one(modestID), bulk: true)
                maxHeld = max(maxHeld, node.node.bulkHeldBytes)
            }
            for _ in 0..<60 {
                node.node.send(type: .tx, payload: payload, to: .one(greedyID), bulk: true)
                maxHeld = max(maxHeld, node.node.bulkHeldBytes)
            }
            return maxHeld
        }.wait()
        #expect(maxHeld <= cap + 64 * 1024, "bloom-net held \(maxHeld) bytes of answers")
        guard case .sendQueueOverflow = node.sink.disconnected(greedyID) else {
            Issue.record("the greedy peer was not dropped: \(String(describing: node.sink.disconnected(greedyID)))")
            return
        }
        #expect(greedy.waitForClose())
        // The modest peer gets every answer, and is still connected.
        var read = 0
        while read < 4, let frame = modest.readFrame() {
            #expect(frame.payload == payload)
            read += 1
        }
        #expect(read == 4)
        node.node.send(type: .block, payload: [7], to: .one(modestID))
        #expect(modest.readFrame()?.payload == [7])
    }
}
