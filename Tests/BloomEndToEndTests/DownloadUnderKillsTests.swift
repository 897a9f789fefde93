import BloomCore
import BloomTestSupport
import Foundation
import Testing

/// Issue 12: any one service killed at any moment resumes its work, whatever the peers do. A node downloads a
/// fixture chain from a raw-TCP serving peer that, like a reference node, sends nothing unless asked, while
/// bloom-sync, bloom-net and bloom-gossip are each SIGKILLed at seeded random moments.
extension EndToEndTests {
    @Test func download_fromAPeerThatOnlyAnswers_survivesSIGKILLOfEachService_reachesItsTipAndLosesNoBlock()
        async throws
    {
        // CI: each service killed once during a 1,500-block download; Scripts/e2e --full: five times each, 4,000.
        let killsPerService = fullRun ? 5 : 1
        let blockCount = fullRun ? 4_000 : 1_500
        var random = SplitMix64.printingSeed()

        let blocks = FixtureChain.make(count: blockCount)
        let tip = try #require(blocks.last).hash.hex
        let peer = try ServingPeer(address: "127.0.0.70", blocks: blocks, released: 0)
        defer { peer.stop() }
        let net = try E2ENetwork(count: 1)
        defer { net.shutdown() }
        let node = net[0]
        node.connect = [peer.endpoint]
        try await net.start()

        // Each service the same number of times, in a seeded order. Kill i comes once the download reached a seeded
        // height in the i-th slice of the chain, where the peer holds back the bodies above it (so the download is
        // in progress whatever the machine's speed), after a seeded delay of up to a second.
        let schedule = (0..<killsPerService).flatMap { _ in Self.services }.shuffled(using: &random)
        let slice = (blockCount - 2) / schedule.count
        let gates = schedule.indices.map { 1 + $0 * slice + Int.random(in: 0..<slice, using: &random) }
        var lastHeight = 0
        var killedDuringDownload = 0
        for (service, gate) in zip(schedule, gates) {
            peer.release(upTo: gate)
            try await eventually("n0 downloads up to height \(gate)", timeout: 600, log: node) {
                (node.chain()?.height ?? 0) >= gate
            }
            // Past stable_s (3 s) of readiness, so that no kill counts toward the restart-intensity limit.
            try await eventually("\(service) stable", timeout: 120, log: node) {
                node.isReady()
                    && node.services().first { $0["name"]?.stringValue == service }?["uptime_s"]?.numberValue
                        ?? 0 >= 3.5
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1_000, using: &random)))
            let before = node.chain()?.height ?? lastHeight
            let pid = try #require(node.pid(of: service))
            kill(pid, SIGKILL)
            if before < blockCount { killedDuringDownload += 1 }
            try await eventually("\(service) replaced and ready", timeout: 120, log: node) {
                guard let replacement = node.pid(of: service), replacement != pid else { return false }
                return node.isReady()
            }
            // A committed block is never taken back: the height after the restart is not below the one before.
            var after = 0
            try await eventually("n0 answers chain after the \(service) kill", timeout: 60, log: node) {
                guard let chain = node.chain() else { return false }
                after = chain.height
                return true
            }
            #expect(after >= before, "height \(before) before killing \(service), \(after) after")
            lastHeight = after
        }
        #expect(killedDuringDownload == schedule.count, "kills during the download")
        peer.release(upTo: .max)

        try await eventually("n0 reaches the serving peer's tip \(blockCount)", timeout: 900, log: node) {
            node.chain().map { $0.height == blockCount && $0.tip == tip } ?? false
        }
        // No block lost or replaced: every height holds the peer's block (sampled, one query per block is slow).
        for height in stride(from: 1, through: blockCount, by: max(1, blockCount / 50)) + [blockCount] {
            #expect(node.hash(atHeight: height) == blocks[height - 1].hash.hex, "height \(height)")
        }
        let integrity = node.ask("integrity", timeout: 60)
        #expect(integrity?["ok"] == .bool(true), "integrity_check: \(String(describing: integrity))")
        #expect(peer.accepted.load(ordering: .relaxed) >= 1)
    }
}
