import Foundation
import Testing

/// `SIGHUP` to the supervisor, as `systemctl reload` sends it: the file is read again, a bad file changes
/// nothing, and a good one reaches the services (bloom-net dials a peer added to the connect list).
extension EndToEndTests {
    @Test func sighupToSupervisor_afterEditingBloomToml_connectsToTheAddedPeer() async throws {
        let net = try E2ENetwork(count: 2)
        defer { net.shutdown() }
        let n1 = net[1]
        try FileManager.default.createDirectory(atPath: n1.dataDirectory, withIntermediateDirectories: true)
        let file = n1.dataDirectory + "/bloom.toml"
        try "# n1 starts alone\nconnect = []\nban-time = 600\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await net.start()
        #expect(n1.peers().isEmpty)
        let supervisor = try #require(n1.process?.processIdentifier)
        let netPid = try #require(n1.pid(of: "bloom-net"))

        // A bad file: the error is logged, the node keeps running as it was, the services are not signalled.
        try "connect = 5\n".write(toFile: file, atomically: true, encoding: .utf8)
        kill(supervisor, SIGHUP)
        try await eventually("the bad file is reported", log: n1) {
            n1.logText().contains("configuration reload failed; the running configuration stays")
        }
        #expect(n1.logText().contains("bloom.toml:1: connect: expected an array of strings"))
        #expect(n1.process?.isRunning == true)

        // Full TOML: a multi-line array with a comment inside, and bloom-net's own table as an inline table.
        try """
            # n1 now follows n0
            connect = [
                "\(net[0].endpoint)",  # the miner
                # more peers would go here
            ]
            ban-time = 900
            bloom-net = { max-inbound = 50 }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        kill(supervisor, SIGHUP)
        try await eventually("n1 connects to n0 after the reload", log: n1) {
            n1.peers().contains { $0["direction"]?.stringValue == "out" }
        }
        let log = n1.logText()
        #expect(log.contains("configuration reloaded: connect changed: [] → [\(net[0].endpoint)]"))
        #expect(log.contains("configuration reloaded: ban-time changed: 600.0 → 900.0"))
        #expect(log.contains("reloaded settings applied"))  // bloom-net's own line
        #expect(log.contains("bloom.max_inbound=50"))
        #expect(n1.isReady())
        #expect(n1.pid(of: "bloom-net") == netPid, "applied in the running bloom-net, not by a restart")

        // `bloom reload` asks the same over the control socket; the file has not changed since.
        let again = try n1.cli(["reload"])
        #expect(again.code == 0 && again.output.contains("configuration reloaded: nothing changed"), "\(again.output)")
    }
}
