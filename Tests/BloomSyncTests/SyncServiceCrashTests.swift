import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import BloomSync
import BloomTestSupport
import BloomWire
import Foundation
import Testing

/// Crash safety during IBD through the bus: the `bloom-sync` executable runs as a child on the mock bus's
/// endpoints, the test plays bloom-net and a peer, and kills the child with SIGKILL at random moments, 20 times.
/// A `chain.tip` is published only after its blocks committed, so every restart must start at or above the
/// highest tip seen; the store must open (it runs `quick_check`), and the download must resume to the end.
@Suite(.serialized, .dedicatedThread) struct SyncServiceCrashTests {
    static func startChild(data: String, endpoints: BusEndpoints) throws -> Process {
        let process = Process()
        process.executableURL = try CrashSafetyTests.executable()
        process.arguments = [
            "--data-dir", data, "--bus-pub", endpoints.publish, "--bus-sub", endpoints.subscribe,
            "--control", endpoints.control, "--log-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func sigkillDuringIBDOverTheBus_20Times_neverLosesAPublishedTip_andTheDownloadResumes() async throws {
        let count: UInt32 = 3_000
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: Int(count))
        let peer = try SimulatedPeer(id: 0x0100_0000_0000_0001, blocks: chain)
        let mock = try MockBus()
        let directory = try TemporaryDirectory("bloom-sync-buscrash")
        defer { directory.remove() }
        let data = directory.path("data")
        var generator = SplitMix64.printingSeed()
        var oldBoots = Set<UInt32>()
        var bestSeen: UInt32 = 0
        var restartsBelowSeen = 0

        /// Serves the child until `stop` says so; returns the child's boot id once known.
        func serve(_ process: Process, until stop: (_ served: Int, _ tip: UInt32) -> Bool) async throws -> UInt32? {
            var boot: UInt32?
            var served = 0
            var tip: UInt32 = 0
            var lastAnnounce = 0.0
            // A bound on the wait, so that a child that never answers fails the test instead of hanging it.
            for _ in 0..<1_200 {
                guard process.isRunning else { break }
                let now = MonotonicClock.now()
                if boot != nil && served == 0 && now - lastAnnounce > 0.3 {
                    // Until the child asks something, (re)announce the peer: it may have subscribed late.
                    lastAnnounce = now
                    let connected = PeerEvent.Connected(
                        peer: peer.info.id,
                        address: "127.0.0.1:7619",
                        direction: .outbound,
                        version: 1,
                        height: peer.info.height,
                        services: ServiceFlags.node.rawValue,
                        listenPort: 7619
                    )
                    mock.publish(.p2pPeer, PeerEvent.connected(connected))
                }
                guard let message = try await SyncServiceIBDTests.next(mock) else { continue }
                let sender = message.envelope.sender
                guard sender.service == .sync, !oldBoots.contains(sender.bootID) else { continue }
                if message.topic == .chainTip {
                    let height = try message.decode(BloomBus.ChainTip.self).height
                    if boot == nil {
                        boot = sender.bootID
                        if height < bestSeen { restartsBelowSeen += 1 }
                    }
                    tip = max(tip, height)
                    bestSeen = max(bestSeen, height)
                } else if message.topic == .p2pOut, boot == sender.bootID {
                    let request = try message.decode(P2POut.self)
                    guard
                        let asked = try PeerMessage(
                            type: MessageType(rawValue: request.messageType),
                            payload: request.payload
                        )
                    else { continue }
                    for case .message(let from, let reply) in try peer.deliver(asked, now: now) {
                        mock.publish(
                            Topic.p2pIn(messageType: reply.type.rawValue),
                            P2PIn(payload: reply.encodedPayload()),
                            peerID: from
                        )
                    }
                    served += 1
                }
                if stop(served, tip) { break }
            }
            return boot
        }

        for _ in 0..<20 {
            let child = try Self.startChild(data: data, endpoints: mock.endpoints)
            let requests = Int.random(in: 1...4, using: &generator)
            let boot = try await serve(child) { served, tip in served >= requests || tip == count }
            usleep(UInt32.random(in: 0...20_000, using: &generator))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(boot != nil, "the child never published its tip")
            if let boot { oldBoots.insert(boot) }
        }
        #expect(restartsBelowSeen == 0)
        #expect(bestSeen > 0)

        // Finally a child left alone downloads the rest and stops cleanly on SIGTERM.
        let last = try Self.startChild(data: data, endpoints: mock.endpoints)
        _ = try await serve(last) { _, tip in tip == count }
        #expect(bestSeen == count)
        kill(last.processIdentifier, SIGTERM)
        last.waitUntilExit()
        #expect(last.terminationReason == .exit && last.terminationStatus == 0)
        let store = try SQLiteChainStore(path: data + "/" + LoadBlocksCommand.storeFileName)
        #expect(try store.integrityCheck().isEmpty)
        #expect(try store.chainState()?.tip == BloomChain.ChainTip(hash: chain[Int(count) - 1].hash, height: count))
        try store.close()
        await mock.stop()
    }
}
