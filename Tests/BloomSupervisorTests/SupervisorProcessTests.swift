import BloomCLI
import BloomServiceKit
import BloomTestSupport
import Foundation
import Testing

/// Real bloom-supervisor processes with fake services. Serialized: they start processes and must not compete
/// for the machine's two cores with each other.
@Suite(.serialized, .dedicatedThread) struct SupervisorProcessTests {
    @Test func start_startsEveryServiceAndStatusReportsThemReady() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let status = try node.waitAllReady()
        for key in ["bloom-net/0", "bloom-gossip/0", "bloom-sync/0"] {
            let entry = try #require(status[key])
            #expect(entry["restarts"] == .number(0))
            #expect(entry["last_exit"] == .null)
            let pid = try #require(entry["pid"]?.numberValue)
            #expect(TestNode.alive(Int32(pid)))
            #expect(entry["uptime_s"]?.numberValue != nil)
        }
        var runMode = stat()
        #expect(stat(node.dataDirectory + "/run", &runMode) == 0)
        #expect(runMode.st_mode & 0o777 == 0o700)
        #expect(FileManager.default.fileExists(atPath: node.dataDirectory + "/logs/bloom-net-0.log"))
    }

    @Test func crash_ofOneService_isRestartedWithItsExitRecordedAndOthersUntouched() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let before = try node.waitAllReady()
        let victim = try #require(before["bloom-gossip/0"]?["pid"]?.numberValue)
        kill(Int32(victim), SIGKILL)
        let after = try node.waitFor("gossip restarted and ready") { status in
            status["bloom-gossip/0"]?["restarts"] == .number(1)
                && status["bloom-gossip/0"]?["state"] == .string("ready")
        }
        #expect(after["bloom-gossip/0"]?["pid"]?.numberValue != victim)
        #expect(after["bloom-gossip/0"]?["last_exit"]?["signal"] == .number(9))
        #expect(after["bloom-net/0"]?["pid"] == before["bloom-net/0"]?["pid"])
        #expect(after["bloom-sync/0"]?["pid"] == before["bloom-sync/0"]?["pid"])
        #expect(
            node.log.contains("restart scheduled bloom.delay_ms=100 bloom.replica=0 bloom.service=bloom-gossip"),
            "first back-off step"
        )
    }

    @Test func crashLoop_marksTheServiceFailedKeepsOthersAndRestartClearsIt() throws {
        let node = try TestNode()
        // bloom-sync crashes 20 ms after each start while this file exists, so that the restart below, made after
        // the file is gone, ends the loop whatever the timing.
        let crashing = node.root + "/sync-crashes"
        try node.rewrite(
            TestNode.standard(
                environment: ["bloom-sync": ["BLOOM_TEST_EXIT_AFTER_MS=20", "BLOOM_TEST_EXIT_WHILE=\(crashing)"]]
            )
        )
        _ = FileManager.default.createFile(atPath: crashing, contents: nil)
        defer { node.shutdown() }
        try node.start()
        let failed = try node.waitFor("sync failed", seconds: 30) { $0["bloom-sync/0"]?["state"] == .string("failed") }
        #expect(failed["bloom-sync/0"]?["restarts"] == .number(5))
        #expect(failed["bloom-sync/0"]?["pid"] == .null)
        #expect(failed["bloom-net/0"]?["state"] == .string("ready"))
        #expect(failed["bloom-gossip/0"]?["state"] == .string("ready"))
        #expect(failed["bloom-net/0"]?["restarts"] == .number(0))
        #expect(node.log.contains("SERVICE FAILED"))
        try FileManager.default.removeItem(atPath: crashing)
        _ = try node.request("restart", args: .object(["service": .string("sync")]))
        let cleared = try node.waitFor("sync ready after the restart") {
            $0["bloom-sync/0"]?["state"] == .string("ready")
        }
        #expect(cleared["bloom-sync/0"]?["restarts"] == .number(6))
    }

    @Test func crashLoop_thatEndsByItself_isRetriedAfterRetryFailedWithoutAnOperator() throws {
        // A full disk freed later is the case: bloom-sync crash-loops into `failed`, the cause goes away, and the
        // supervisor's own retry brings it back (retry_failed_s, 1 s here instead of 300 s).
        let node = try TestNode()
        let crashing = node.root + "/sync-crashes"
        try node.rewrite(
            TestNode.standard(
                sync: "[restart]\nmax_restarts = 1\nretry_failed_s = 1",
                environment: ["bloom-sync": ["BLOOM_TEST_EXIT_AFTER_MS=20", "BLOOM_TEST_EXIT_WHILE=\(crashing)"]]
            )
        )
        _ = FileManager.default.createFile(atPath: crashing, contents: nil)
        defer { node.shutdown() }
        try node.start()
        // Still crashing when retried: failed again, with the retry announced in status.
        let failedTwice = try node.waitFor("sync failed a second time", seconds: 60) { status in
            status["bloom-sync/0"]?["state"] == .string("failed")
                && (status["bloom-sync/0"]?["restarts"]?.numberValue ?? 0) >= 3
        }
        #expect(failedTwice["bloom-sync/0"]?["retry_in_s"]?.numberValue != nil)
        #expect(node.log.contains("SERVICE FAILED: trying again after the delay"))
        #expect(node.log.contains("retrying a failed service"))
        try FileManager.default.removeItem(atPath: crashing)
        let healed = try node.waitFor("sync ready without a restart request", seconds: 60) {
            $0["bloom-sync/0"]?["state"] == .string("ready")
        }
        #expect(healed["bloom-sync/0"]?["failure"] == nil)
        #expect(healed["bloom-sync/0"]?["retry_in_s"] == nil)
        #expect(healed["bloom-net/0"]?["restarts"] == .number(0))
    }

    @Test func hungService_isKilledAndRestarted() throws {
        let node = try TestNode(
            services: TestNode.standard(
                gossip: "[timeouts]\nheartbeat_s = 0.5",
                environment: ["bloom-gossip": ["BLOOM_TEST_HANG_AFTER_MS=300"]]
            )
        )
        defer { node.shutdown() }
        try node.start()
        let first = try node.waitFor("gossip ready") { $0["bloom-gossip/0"]?["state"] == .string("ready") }
        let hungPid = try #require(first["bloom-gossip/0"]?["pid"]?.numberValue)
        let after = try node.waitFor("gossip killed as hung") { status in
            (status["bloom-gossip/0"]?["restarts"]?.numberValue ?? 0) >= 1
        }
        #expect(after["bloom-gossip/0"]?["last_exit"]?["reason"]?.stringValue?.contains("hung") == true)
        #expect(after["bloom-gossip/0"]?["last_exit"]?["signal"] == .number(9))
        #expect(!TestNode.alive(Int32(hungPid)))
    }

    @Test func restart_ofOneService_changesOnlyItsPid() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let before = try node.waitAllReady()
        let result = try node.request("restart", args: .object(["service": .string("bloom-net")]))
        #expect(result["restarted"]?.arrayValue?.count == 1)
        let after = try node.waitFor("net restarted") { status in
            status["bloom-net/0"]?["state"] == .string("ready")
                && status["bloom-net/0"]?["pid"] != before["bloom-net/0"]?["pid"]
        }
        #expect(after["bloom-gossip/0"]?["pid"] == before["bloom-gossip/0"]?["pid"])
        #expect(after["bloom-sync/0"]?["pid"] == before["bloom-sync/0"]?["pid"])
        #expect(after["bloom-net/0"]?["last_exit"]?["code"] == .number(0))
    }

    @Test func scale_upAndDown_startsAndStopsReplicasWithoutTouchingOthers() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let before = try node.waitAllReady()
        _ = try node.request("scale", args: .object(["service": .string("net"), "replicas": .number(3)]))
        let up = try node.waitAllReady(["bloom-net/0", "bloom-net/1", "bloom-net/2", "bloom-gossip/0", "bloom-sync/0"])
        for key in ["bloom-net/0", "bloom-gossip/0", "bloom-sync/0"] { #expect(up[key]?["pid"] == before[key]?["pid"]) }
        let peers = try node.request("peers")
        #expect(peers["peers"]?.arrayValue?.count == 3, "peers lists of every replica are merged")
        let counts = (peers["peers"]?.arrayValue ?? []).filter { $0["id"]?.stringValue != "fake-0" }
            .map { $0["replicas_env"]?.stringValue }
        #expect(counts == ["3", "3"], "replicas started by the scale see BLOOM_REPLICAS = 3")
        let removed = try #require(up["bloom-net/2"]?["pid"]?.numberValue)
        _ = try node.request("scale", args: .object(["service": .string("bloom-net"), "replicas": .number(1)]))
        let down = try node.waitFor("net scaled down") { $0.count == 3 }
        for key in ["bloom-net/0", "bloom-gossip/0", "bloom-sync/0"] {
            #expect(down[key]?["pid"] == before[key]?["pid"])
        }
        #expect(!TestNode.alive(Int32(removed)))
        #expect(throws: CLIError.self) {
            try node.request("scale", args: .object(["service": .string("sync"), "replicas": .number(2)]))
        }
    }

    @Test func sigterm_stopsNetThenGossipThenSyncAndExitsZeroWithNoChildLeft() throws {
        let stopLog = "/tmp/bsv-stop-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: stopLog) }
        _ = FileManager.default.createFile(atPath: stopLog, contents: nil)
        let environment = ["BLOOM_TEST_STOP_LOG=\(stopLog)"]
        let node = try TestNode(
            services: TestNode.standard(environment: [
                "bloom-net": environment, "bloom-gossip": environment, "bloom-sync": environment,
            ])
        )
        defer { node.shutdown() }
        try node.start()
        let status = try node.waitAllReady()
        let pids = status.values.compactMap { $0["pid"]?.numberValue.map { Int32($0) } }
        let process = try #require(node.process)
        kill(process.processIdentifier, SIGTERM)
        #expect(try node.waitExit() == 0)
        for pid in pids { #expect(!TestNode.alive(pid), "service \(pid) left behind") }
        let order = try String(contentsOfFile: stopLog, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: " ")[0]
        }
        #expect(order == ["bloom-net", "bloom-gossip", "bloom-sync"])
        #expect(!FileManager.default.fileExists(atPath: node.dataDirectory + "/run/control"))
    }

    @Test func stop_whenAChildIgnoresSigterm_killsItAfterItsTimeout() throws {
        let node = try TestNode(
            services: TestNode.standard(
                gossip: "[timeouts]\nstop_s = 0.5",
                environment: ["bloom-gossip": ["BLOOM_TEST_IGNORE_SIGTERM=1"]]
            )
        )
        defer { node.shutdown() }
        try node.start()
        let status = try node.waitAllReady()
        let stubborn = try #require(status["bloom-gossip/0"]?["pid"]?.numberValue)
        _ = try node.request("stop")
        #expect(try node.waitExit() == 0)
        #expect(!TestNode.alive(Int32(stubborn)))
        #expect(node.log.contains("did not stop within 0.5 s"))
    }

    @Test func secondSupervisor_onTheSameDataDirectory_isRefusedAndTheFirstKeepsRunning() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let before = try node.waitAllReady()
        let second = try TestNode()
        defer { second.shutdown() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestNode.binaries + "/bloom-supervisor")
        process.arguments = ["--data-dir", node.dataDirectory, "--services-dir", node.servicesDirectory]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(output.contains("already running"), "\(output)")
        #expect(try node.status()["bloom-net/0"]?["pid"] == before["bloom-net/0"]?["pid"])
    }

    @Test func staleSockets_ofACrashedSupervisor_areRemovedAndTheNodeStarts() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try FileManager.default.createDirectory(atPath: node.dataDirectory + "/run", withIntermediateDirectories: true)
        for name in ["bus.pub", "bus.sub", "control"] {
            _ = FileManager.default.createFile(
                atPath: node.dataDirectory + "/run/" + name,
                contents: Data("stale".utf8)
            )
        }
        try node.start()
        try node.waitAllReady()
        #expect(node.log.contains("removed a stale socket"))
    }

    @Test func badServiceDefinition_isReportedWithFileLineAndFieldAndNothingStarts() throws {
        var services = TestNode.standard()
        services[2].extra = "[restart]\nbackoff_initial_ms = \"fast\""
        let node = try TestNode(services: services)
        defer { node.shutdown() }
        try node.start()
        #expect(try node.waitExit() == 1)
        #expect(
            node.log.contains("bloom-sync.toml:8: [restart] backoff_initial_ms: expected an integer"),
            "\(node.log)"
        )
        #expect(!node.log.contains("service started"))
        #expect(SupervisorLock.holder(of: node.dataDirectory + "/run/supervisor.lock") == nil)
    }

    @Test func badConfiguration_isReportedWithItsSourceAndNothingStarts() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try FileManager.default.createDirectory(atPath: node.dataDirectory, withIntermediateDirectories: true)
        try "log-level = \"info\"\nmax-inbound = -4\n".write(
            toFile: node.dataDirectory + "/bloom.toml",
            atomically: true,
            encoding: .utf8
        )
        try node.start()
        #expect(try node.waitExit() == 1)
        #expect(node.log.contains("bloom.toml:2: max-inbound:"), "\(node.log)")
        #expect(!node.log.contains("service started"))
    }

    @Test func cli_exitCodes_followTheOperatorConventions() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "status"]) == 3)
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "tx", "submit", "xyz"]) == 2)
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "frobnicate"]) == 2)
        try node.start()
        try node.waitAllReady()
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "status", "--json"]) == 0)
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "chain"]) == 0)
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "restart", "nosuch"]) == 1)
        #expect(
            Bloom.execute(["--data-dir", node.dataDirectory, "tx", "submit", "00ff"]) == 1,
            "the fake does not take transactions"
        )
    }

    @Test func forwardedQuery_toAServiceWithNoReadyReplica_saysItIsNotAvailable() throws {
        let node = try TestNode(services: [TestNode.standard()[0]])
        defer { node.shutdown() }
        try node.start()
        try node.waitAllReady(["bloom-net/0"])
        do {
            _ = try node.request("chain")
            Issue.record("chain should fail without bloom-sync")
        } catch let error as CLIError {
            #expect(error.description.contains("bloom-sync is not available"))
        }
    }
}
