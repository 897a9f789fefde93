import BloomCLI
import BloomServiceKit
import BloomTestSupport
import Foundation
import Testing

extension SupervisorProcessTests {
    @Test func killedSupervisor_itsChildrenNoticeAndExit() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try startThenKillSupervisor(node)
    }

    /// Starts `node`, waits until every service is ready, SIGKILLs the supervisor and expects its children to be
    /// gone within 15 s.
    private func startThenKillSupervisor(_ node: TestNode) throws {
        try node.start()
        let status = try node.waitAllReady()
        let pids = status.values.compactMap { $0["pid"]?.numberValue.map { Int32($0) } }
        let process = try #require(node.process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        pollUntil(seconds: 15) { !pids.contains(where: TestNode.alive) }
        #expect(pids.filter(TestNode.alive).isEmpty, "children left running after the supervisor was killed")
    }

    @Test func cli_whenTheNodeHoldsTheLockButDoesNotAnswer_exitsOneSayingSo() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        try node.waitAllReady()
        let process = try #require(node.process)
        kill(process.processIdentifier, SIGSTOP)
        defer { kill(process.processIdentifier, SIGCONT) }
        let configuration = try NodeConfiguration.load(arguments: ["--data-dir", node.dataDirectory], environment: [:])
        #expect(
            throws: CLIError.notAnswering(
                dataDirectory: node.dataDirectory,
                pid: process.processIdentifier,
                seconds: 0.3
            )
        ) {
            try ControlClient(configuration: configuration, timeout: 0.3).request("status")
        }
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "status", "--timeout", "0.3"]) == 1)
    }
}

extension SupervisorProcessTests {
    @Test func serviceNotBuilt_othersStartAndQuestionsForItSaySoPlainly() throws {
        let missing = TestNode.Service(name: "bloom-sync", stopOrder: 2)
        let node = try TestNode(services: Array(TestNode.standard().prefix(2)))
        defer { node.shutdown() }
        // No command: the supervisor looks for bloom-sync beside itself, and this one has nothing beside it.
        let text = "[service]\nname = \"\(missing.name)\"\nstop_order = 2\n"
        try text.write(toFile: node.servicesDirectory + "/bloom-sync.toml", atomically: true, encoding: .utf8)
        let supervisor = try node.lonelySupervisor()
        let binaries = (supervisor as NSString).deletingLastPathComponent
        try node.start(executable: supervisor)
        let status = try node.waitFor("net and gossip ready") { status in
            status["bloom-net/0"]?["state"] == .string("ready")
                && status["bloom-gossip/0"]?["state"] == .string("ready")
        }
        #expect(status["bloom-sync/0"]?["state"] == .string("failed"))
        #expect(status["bloom-sync/0"]?["failure"]?.stringValue?.contains("not built") == true)
        #expect(
            throws: CLIError.commandFailed(
                "bloom-sync is not available (not built: no executable at \(binaries)/bloom-sync)"
            )
        ) {
            try node.request("chain")
        }
    }
}

extension SupervisorProcessTests {
    /// Found by Scripts/chaos: a service's output is a pipe to its supervisor, so after a `kill -9` of the supervisor
    /// the first log line of the service's graceful stop raised SIGPIPE and killed it mid-stop. Services ignore
    /// SIGPIPE now; each must get through its stop handler (it appends itself to the stop log).
    @Test func killedSupervisor_childrenFinishTheirGracefulStopDespiteTheClosedLogPipe() throws {
        let node = try TestNode()
        let stopLog = node.root + "/stops"
        let environment = ["BLOOM_TEST_STOP_LOG=\(stopLog)", "BLOOM_TEST_LOG_WHEN_ORPHANED=1"]
        try node.rewrite(
            TestNode.standard(environment: [
                "bloom-net": environment, "bloom-gossip": environment, "bloom-sync": environment,
            ])
        )
        _ = FileManager.default.createFile(atPath: stopLog, contents: nil)
        defer { node.shutdown() }
        try startThenKillSupervisor(node)
        let stopped = (try? String(contentsOfFile: stopLog, encoding: .utf8)) ?? ""
        for service in ["bloom-net", "bloom-gossip", "bloom-sync"] {
            #expect(stopped.contains(service + " "), "\(service) did not finish its graceful stop: \(stopped)")
        }
    }

    @Test func silentSupervisor_childrenStopGracefully() throws {
        let silence = ["BLOOM_SUPERVISOR_SILENCE_S=1"]
        let node = try TestNode(
            services: TestNode.standard(environment: [
                "bloom-net": silence, "bloom-gossip": silence, "bloom-sync": silence,
            ])
        )
        defer { node.shutdown() }
        try node.start()
        let status = try node.waitAllReady()
        let pids = status.values.compactMap { $0["pid"]?.numberValue.map { Int32($0) } }
        let process = try #require(node.process)
        // Stopped, the supervisor neither heartbeats nor reaps: its children must notice the silence themselves.
        kill(process.processIdentifier, SIGSTOP)
        defer { kill(process.processIdentifier, SIGCONT) }

        func running(_ pid: Int32) -> Bool {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
            return !text.contains("State:\tZ")
        }
        pollUntil(seconds: 15) { !pids.contains(where: running) }
        #expect(pids.filter(running).isEmpty, "children still running while the supervisor is silent")
    }
}

extension SupervisorProcessTests {
    /// Found by Scripts/chaos: after a `kill -9` of the supervisor, services lived on until their heartbeat watch
    /// noticed (10 s), beside the new supervisor's services. The kernel keeps the parent-death signal per thread, and
    /// a service's start runs on a libdispatch worker that exits once idle, taking the armed signal with it. Here the
    /// parent watch is armed from a thread that has ended before the parent dies; the child must still get SIGTERM.
    @Test func parentWatch_armedFromAThreadThatEnded_stillEndsTheChildWhenTheParentIsKilled() throws {
        let directory = "/tmp/bpw-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/out"
        FileManager.default.createFile(atPath: output, contents: nil)
        // The shell stands in for the supervisor: it starts the helper with its own pid as the supervisor's,
        // prints the helper's pid and waits; the helper prints "armed" once its watch is armed.
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        parent.arguments = [
            "-c", "BLOOM_SUPERVISOR_PID=$$ BLOOM_TEST_PARENT_WATCH_ONLY=1 \"$0\" & echo $!; wait",
            TestNode.binaries + "/bloom-test-service",
        ]
        parent.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        parent.standardInput = FileHandle.nullDevice
        try parent.run()
        var helper: Int32?
        defer {
            if parent.isRunning { kill(parent.processIdentifier, SIGKILL) }
            if let helper, TestNode.alive(helper) { kill(helper, SIGKILL) }
        }
        let armed = pollUntil(seconds: 30) {
            let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
            helper = lines.first.flatMap { Int32($0) }
            return helper != nil && lines.contains("armed")
        }
        try #require(armed, "the helper never reported its parent watch armed")
        let child = try #require(helper)

        // Not waited for: the verdict is the helper's end, and the shell's exit is all the kernel needs.
        kill(parent.processIdentifier, SIGKILL)

        pollUntil(seconds: 30) { !TestNode.alive(child) }
        #expect(!TestNode.alive(child), "the child outlived its killed parent: no parent-death signal")
    }
}
