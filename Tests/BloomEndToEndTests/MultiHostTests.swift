import BloomServiceKit
import Foundation
import Synchronization
import Testing

/// A node split over several supervisors (issue 17): one runs the bus and serves it over tcp with CURVE, another
/// runs only bloom-net and joins that bus with its own key; and a rolling restart of bloom-net replicas.
extension EndToEndTests {
    @Test func supervisorRunningOnlyBloomNet_joinsAnotherHostsCurveBus_onlyWithAnAuthorizedKey() async throws {
        let net = try E2ENetwork(count: 3)
        defer { net.shutdown() }
        let hub = net[0]
        let busPort = try freePortPair(on: "127.0.0.1")
        hub.extraArguments = ["--bus-bind", "tcp://127.0.0.1:\(busPort)"]
        try await net.start([0])
        let serverKey = try #require(
            try String(contentsOfFile: hub.dataDirectory + "/keys/bus.pub", encoding: .utf8)
                .split(separator: "\n").last.map(String.init),
            "the hub made no bus.pub at first start"
        )

        // n1: its key is authorized on the hub. n2: a stranger with a key of its own.
        var publicKeys: [String] = []
        for node in [net[1], net[2]] {
            let made = try node.cli(["keygen", "--json"])
            #expect(made.code == 0, "bloom keygen: \(made.output)")
            publicKeys.append(try #require(try JSONValue.decode(Array(made.output.utf8))["publicKey"]?.stringValue))
            node.extraArguments = [
                "--bus-connect", "tcp://127.0.0.1:\(busPort)", "--bus-server-key", serverKey, "--services", "net",
            ]
        }
        try "\(publicKeys[0])\n".write(
            toFile: hub.dataDirectory + "/keys/authorized/edge",
            atomically: true,
            encoding: .utf8
        )
        try net[1].start()
        try net[2].start()

        // n1's supervisor has no forwarder: it sees its bloom-net's heartbeats, and gets answers to `peers`, only
        // through the hub's bus, so both prove the CURVE link in each direction.
        try await eventually("n1's bloom-net is ready over the hub's bus", timeout: 120, log: net[1]) {
            let own = net[1].services().filter { $0["remote"] != .bool(true) }
            return own.count == 1 && own[0]["name"]?.stringValue == "bloom-net" && own[0]["state"]?.stringValue == "ready"
        }
        #expect(net[1].ask("peers")?["peers"]?.arrayValue != nil, "n1's bloom-net did not answer over the bus")
        // Each supervisor lists the other's services, and asks them: n1 runs no bloom-sync, the hub's answers.
        try await eventually("the hub lists n1's bloom-net as remote", log: hub) {
            hub.services().contains { $0["name"]?.stringValue == "bloom-net" && $0["remote"] == .bool(true) }
        }
        try await eventually("n1 answers `chain` from the hub's bloom-sync", log: net[1]) {
            guard let theirs = hub.chain(), let ours = net[1].chain() else { return false }
            return ours.tip == theirs.tip
        }
        try await eventually("the hub logs n2's refused key", timeout: 60, log: hub) {
            hub.logTail(200_000).contains("refused a bus client")
        }
        let stranger = net[2].services().filter { $0["remote"] != .bool(true) }.first
        #expect(stranger?["state"]?.stringValue != "ready", "a bloom-net with an unauthorized key joined the bus")
        #expect(!hub.services().contains { $0["remote"] == .bool(true) && $0["pid"] == stranger?["pid"] })
        #expect(hub.isReady())

        // The link goes away (the hub hangs for 15 s): n1 restarts nothing, then rejoins on its own.
        try await eventually("n1's own heartbeat comes back through the hub", timeout: 30, log: net[1]) {
            net[1].logTail(20_000).contains("bus reachable")
        }
        let edgeNet = try #require(net[1].pid(of: "bloom-net"))
        let hubProcess = try #require(hub.process)
        kill(hubProcess.processIdentifier, SIGSTOP)
        var resumed = false
        defer { if !resumed { kill(hubProcess.processIdentifier, SIGCONT) } }
        try await eventually("n1 notices the bus is unreachable", timeout: 30, log: net[1]) {
            net[1].logTail(20_000).contains("bus unreachable")
        }
        try await Task.sleep(for: .seconds(15))  // the outage lasts past every heartbeat and readiness limit
        #expect(net[1].pid(of: "bloom-net") == edgeNet, "n1 restarted its bloom-net while the link was down")
        kill(hubProcess.processIdentifier, SIGCONT)
        resumed = true
        try await eventually("n1 sees the bus again", timeout: 60, log: net[1]) {
            net[1].logTail(20_000).contains("bus reachable again")
        }
        #expect(net[1].pid(of: "bloom-net") == edgeNet)
        try await eventually("n1 answers `chain` from the hub again", timeout: 60, log: net[1]) { net[1].chain() != nil }
    }

    /// It lost one handshake in about 1 run of 6 until bloom-net's stop waited for connections the listener accepted
    /// just before it closed (NIO activates them a loop turn later); 60 runs in a row passed after, 20 of them with a
    /// core kept busy.
    @Test
    func rollingRestartOfTwoNetReplicas_everyHandshakeCompletes() async throws {
        // Connections the kernel queued on a listener that then closes are reset unless they can move to another
        // listener of the port (Linux ≥ 5.14, per network namespace); Deploy/README.md asks operators for the same.
        let migrate = "/proc/sys/net/ipv4/tcp_migrate_req"
        let migrateBefore = try? String(contentsOfFile: migrate, encoding: .utf8)
        try? "1".write(toFile: migrate, atomically: false, encoding: .utf8)
        defer { if let migrateBefore { try? migrateBefore.write(toFile: migrate, atomically: false, encoding: .utf8) } }

        let net = try E2ENetwork(count: 1)
        defer { net.shutdown() }
        let node = net[0]
        try await net.start()
        let scaled = try node.cli(["scale", "net", "2", "--json"])
        #expect(scaled.code == 0, "bloom scale net 2: \(scaled.output)")
        try await eventually("two bloom-net replicas ready", timeout: 90, log: node) {
            node.services().filter { $0["name"]?.stringValue == "bloom-net" }.count == 2 && node.isReady()
        }
        let before = [node.pid(of: "bloom-net", replica: 0), node.pid(of: "bloom-net", replica: 1)]

        // The client dials every 50 ms; this one every 10 ms, through three rolling restarts, so that
        // connections land on a replica while it stops.
        let client = HandshakingClient(source: "127.0.0.77", host: node.address, port: node.port, every: 0.01)
        client.start()
        var pids = before
        for round in 1...3 {
            let restart = try node.cli(["restart", "net", "--rolling", "--json"])
            #expect(restart.code == 0, "round \(round): bloom restart net --rolling: \(restart.output)\n\(node.logTail())")
            let after = [node.pid(of: "bloom-net", replica: 0), node.pid(of: "bloom-net", replica: 1)]
            #expect(after[0] != pids[0] && after[1] != pids[1], "round \(round): both replicas run new processes")
            pids = after
        }
        client.stop()

        #expect(node.isReady())
        let result = client.result
        #expect(result.completed > 0)
        #expect(result.failures.isEmpty, "\(result.failures.count) of \(result.completed + result.failures.count) handshakes failed: \(result.failures.prefix(3))")
    }
}

/// Two adjacent ports free on `address` now (the remote bus uses PORT and PORT+1).
func freePortPair(on address: String) throws -> Int {
    for _ in 0..<50 {
        let port = try freePort(on: address)
        guard port < 65535 else { continue }
        if canBind(address, port + 1) { return port }
    }
    throw E2EError("no two adjacent free ports on \(address)")
}

private func canBind(_ address: String, _ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, address, &addr.sin_addr)
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// A client that connects, completes the handshake and disconnects, over and over (a pause of `interval` between
/// two), on its own thread, recording what failed.
final class HandshakingClient: @unchecked Sendable {
    let source: String
    let host: String
    let port: Int
    private let running = Atomic<Bool>(true)
    private let lock = NSLock()
    private var completed = 0
    private var failures: [String] = []
    private let done = DispatchSemaphore(value: 0)

    let interval: Double

    init(source: String, host: String, port: Int, every interval: Double = 0.05) {
        self.source = source
        self.host = host
        self.port = port
        self.interval = interval
    }

    var result: (completed: Int, failures: [String]) { lock.withLock { (completed, failures) } }

    func start() {
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                do {
                    let peer = try RawPeer(from: source, to: host, port: port)
                    try peer.handshake()
                    lock.withLock { completed += 1 }
                } catch {
                    lock.withLock { failures.append("\(error)") }
                }
                usleep(UInt32(interval * 1_000_000))
            }
            done.signal()
        }
        thread.start()
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        done.wait()
    }
}
