import BloomBus
import BloomServiceKit
import Foundation
import Testing

extension SupervisorProcessTests {
    /// Sends raw bytes on a REQ socket (the protocol allows any client that routes back) and returns the answer.
    private func ask(_ node: TestNode, _ payload: String) throws -> JSONValue {
        let socket = try NodeBus.socket(.req)
        try socket.connect("ipc://\(node.dataDirectory)/run/control")
        try socket.send([Array(payload.utf8)])
        guard try NodeBus.wait([.socket(socket)], timeoutMs: 8000)[0], let frames = try socket.receive(),
            let last = frames.last
        else { throw TestNodeError.timeout("no answer to \(payload)") }
        return try JSONValue.decode(last)
    }

    @Test func controlProtocol_answersEveryRequestWithItsIdAndRefusesMalformedOnes() throws {
        let node = try TestNode()
        defer { node.shutdown() }
        try node.start()
        try node.waitAllReady()
        let status = try ask(node, #"{"id": 7, "cmd": "status", "args": {}}"#)
        #expect(status["id"] == .number(7))
        #expect(status["ok"] == .bool(true))
        #expect(status["result"]?["services"]?.arrayValue?.count == 3)
        let notJSON = try ask(node, "status please")
        #expect(notJSON["ok"] == .bool(false))
        #expect(notJSON["error"]?.stringValue?.contains("not JSON") == true)
        let noCmd = try ask(node, #"{"id": "a"}"#)
        #expect(noCmd["id"] == .string("a") && noCmd["ok"] == .bool(false))
        let unknown = try ask(node, #"{"id": "b", "cmd": "launch"}"#)
        #expect(unknown["error"] == .string("unknown command 'launch'"))
        let badScale = try ask(node, #"{"id": "c", "cmd": "scale", "args": {"service": "net", "replicas": 0}}"#)
        #expect(badScale["ok"] == .bool(false))
        let unknownService = try ask(node, #"{"id": "d", "cmd": "restart", "args": {"service": "bloom-mint"}}"#)
        #expect(unknownService["error"]?.stringValue?.contains("unknown service 'bloom-mint'") == true)
    }
}

extension SupervisorProcessTests {
    @Test func childThatClosesItsOutput_keepsRunningAndTheSupervisorStaysIdle() throws {
        let node = try TestNode(services: TestNode.standard(environment: ["bloom-net": ["BLOOM_TEST_CLOSE_OUTPUT=1"]]))
        defer { node.shutdown() }
        try node.start()
        try node.waitAllReady()
        let process = try #require(node.process)
        let before = try Self.cpuTicks(process.processIdentifier)
        Thread.sleep(forTimeInterval: 1)
        let after = try Self.cpuTicks(process.processIdentifier)
        // A supervisor spinning on a closed pipe would burn about 100 ticks in that second; an idle one a few.
        #expect(after - before < 50, "supervisor used \(after - before) ticks in 1 s")
        #expect(try node.status()["bloom-net/0"]?["state"] == .string("ready"))
    }

    /// utime + stime of a process, in clock ticks.
    static func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name, which is in parentheses and may hold spaces.
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }
}
