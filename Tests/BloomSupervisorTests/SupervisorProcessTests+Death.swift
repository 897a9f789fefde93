import BloomCLI
import BloomServiceKit
import Foundation
import Testing

extension SupervisorProcessTests {
    @Test func killedSupervisor_itsChildrenNoticeAndExit() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        let status = try node.waitAllReady()
        let pids = status.values.compactMap { $0["pid"]?.numberValue.map { Int32($0) } }
        let process = try #require(node.process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let deadline = Date().addingTimeInterval(10)
        while pids.contains(where: TestNode.alive) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
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
        #expect(throws: CLIError.notAnswering(dataDirectory: node.dataDirectory, pid: process.processIdentifier, seconds: 0.3)) {
            try ControlClient(configuration: configuration, timeout: 0.3).request("status")
        }
        #expect(Bloom.execute(["--data-dir", node.dataDirectory, "status", "--timeout", "0.3"]) == 1)
    }
}
