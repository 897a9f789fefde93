import BloomCore
import BloomServiceKit
import Foundation
import Testing

/// Issue 12: a transaction accepted into the mempool is still listed by `bloom mempool --json` after
/// `bloom restart bloom-sync` and after a SIGKILL of bloom-sync.
extension EndToEndTests {
    /// `bloom mempool --json` on `node`, decoded; nil while bloom-sync does not answer.
    private static func mempool(_ node: E2ENode) throws -> JSONValue? {
        let (code, output) = try node.cli(["mempool", "--json"])
        guard code == 0 else { return nil }
        return try JSONValue.decode(Array(output.utf8))
    }

    @Test func acceptedTransaction_isListedAfterARestartAndASIGKILLOfBloomSync() async throws {
        // Given a node (not mining, so nothing mines the transaction) with a short chain from a serving peer.
        let blocks = FixtureChain.make(count: 3)
        let peer = try ServingPeer(address: "127.0.0.71", blocks: blocks)
        defer { peer.stop() }
        let net = try E2ENetwork(count: 1)
        defer { net.shutdown() }
        let node = net[0]
        node.connect = [peer.endpoint]
        try await net.start()
        try await eventually("n0 downloads the 3 blocks", log: node) { node.chain()?.height == 3 }

        // And a transaction spending block 1's coinbase, accepted through the CLI.
        let coinbase = try #require(blocks[0].transactions.first)
        let spend = Transaction(
            inputs: [TxInput(prevTx: coinbase.txid, outputIndex: 0)],
            outputs: [TxOutput(amount: try #require(coinbase.outputs.first).amount, address: FixtureChain.reward)]
        )
        let submitted = try node.cli(["tx", "submit", spend.serialized().hexString, "--json"])
        #expect(submitted.code == 0, "bloom tx submit: \(submitted.output)")
        let expected = JSONValue.object([
            "count": .number(1),
            "bytes": .number(Double(spend.serialized().count)),
            "txids": .array([.string(spend.txid.hex)]),
        ])
        #expect(try Self.mempool(node) == expected)

        // When bloom-sync is restarted by the operator, then killed with SIGKILL.
        let first = try #require(node.pid(of: "bloom-sync"))
        #expect(try node.cli(["restart", "sync", "--json"]).code == 0)
        try await eventually("bloom-sync restarted and ready", timeout: 90, log: node) {
            node.pid(of: "bloom-sync").map { $0 != first } ?? false && node.isReady()
        }
        // Then the transaction is listed again, each time.
        var afterRestart: JSONValue?
        try await eventually("bloom mempool answers after the restart", log: node) {
            afterRestart = try Self.mempool(node)
            return afterRestart != nil
        }
        #expect(afterRestart == expected)

        let second = try #require(node.pid(of: "bloom-sync"))
        kill(second, SIGKILL)
        try await eventually("bloom-sync replaced after SIGKILL and ready", timeout: 90, log: node) {
            node.pid(of: "bloom-sync").map { $0 != second } ?? false && node.isReady()
        }
        var afterKill: JSONValue?
        try await eventually("bloom mempool answers after the SIGKILL", log: node) {
            afterKill = try Self.mempool(node)
            return afterKill != nil
        }
        #expect(afterKill == expected)
    }
}
