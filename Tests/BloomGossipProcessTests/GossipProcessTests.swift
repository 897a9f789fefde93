import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Testing

/// The `bloom-gossip` binary, started as the supervisor would, on a mock bus: it mines on a tip, answers
/// nothing it should not, and exits 0 on SIGTERM.
@Suite(.serialized, .dedicatedThread) struct GossipProcessTests {
    /// `.build/debug/bloom-gossip`, beside this test bundle.
    static var binary: URL {
        var url = Bundle.main.bundleURL
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: url.appendingPathComponent("bloom-gossip").path) {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("bloom-gossip")
    }

    @Test func binary_withMine_sealsOnTheTip_andExitsZeroOnSigterm() async throws {
        let mock = try MockBus()
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = [
            "--data-dir", mock.dataDirectory,
            "--bus-pub", mock.endpoints.publish,
            "--bus-sub", mock.endpoints.subscribe,
            "--mine", "--min-block-interval", "1", "--log-level", "warning",
        ]
        try process.run()
        // On any failure below, the miner must not outlive the test.
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        try await mock.waitForSubscription(.chainTip)
        let tip = ChainTip(
            height: 1,
            hash: [UInt8](repeating: 7, count: 32).withUnsafeBytes { Hash256($0) },
            parentHash: .zero,
            certificateHash: .zero
        )
        mock.publish(.chainTip, tip, as: SenderID(service: .sync, replica: 0, bootID: 3))
        let (_, sealed) = try await mock.next(GossipSealed.self, topic: .gossipSealed, timeout: .seconds(120))
        #expect(sealed.prevHash == tip.hash)
        #expect(try ConsensusCertificate(decoding: sealed.certificate).verify() == nil)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        await mock.stop()
    }
}
