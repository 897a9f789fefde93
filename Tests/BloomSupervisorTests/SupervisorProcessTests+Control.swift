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
