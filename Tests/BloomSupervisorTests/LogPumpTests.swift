import BloomTestSupport
import Foundation
import Testing

@testable import BloomSupervisor

@Suite(.dedicatedThread) struct LogPumpTests {
    private func withPipe(_ body: (_ read: Int32, _ write: Int32) throws -> Void) throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        defer {
            close(fds[0])
            close(fds[1])
        }
        try body(fds[0], fds[1])
    }

    private func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    @Test func drain_writesWholeLinesToTheFileAndKeepsAPartialLineUntilItEnds() throws {
        let file = NSTemporaryDirectory() + "pump-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try withPipe { (read: Int32, write: Int32) throws in
            var pump = LogPump(prefix: "bloom-net/0", logFile: file, echoFD: -1)
            send(write, "one\ntw")
            let first = pump.drain(read)
            #expect(first)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "one\n")
            send(write, "o\n")
            let second = pump.drain(read)
            #expect(second)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "one\ntwo\n")
            pump.close()
        }
    }

    @Test func drain_atEndOfFile_flushesTheLastLineAndReportsIt() throws {
        let file = NSTemporaryDirectory() + "pump-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: file) }
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var pump = LogPump(prefix: "x/0", logFile: file, echoFD: -1)
        send(fds[1], "last words")
        close(fds[1])
        let open = pump.drain(fds[0])
        #expect(open == false)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "last words\n")
        pump.close()
    }

    @Test func emit_pastTheSizeLimit_rotatesToDotOne() throws {
        let file = NSTemporaryDirectory() + "pump-\(UUID().uuidString).log"
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: file + ".1")
        }
        try withPipe { (read: Int32, write: Int32) throws in
            var pump = LogPump(prefix: "x/0", logFile: file, maxFileBytes: 10, echoFD: -1)
            send(write, "aaaa\nbbbb\ncccc\n")
            let open = pump.drain(read)
            #expect(open)
            pump.close()
        }
        #expect(try String(contentsOfFile: file + ".1", encoding: .utf8) == "aaaa\nbbbb\n")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "cccc\n")
    }
}
