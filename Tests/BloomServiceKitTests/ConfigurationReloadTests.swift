import BloomTestSupport
import Foundation
import Testing

@testable import BloomServiceKit

/// What a reload (`SIGHUP`) changes: the live settings move, the others are reported as needing a restart, a bad
/// file changes nothing, and flags still win.
@Suite(.dedicatedThread) struct ConfigurationReloadTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "bloom-reload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func reloader(_ directory: String, _ arguments: [String] = [], service: String? = nil) throws
        -> ConfigurationReloader
    {
        let arguments = ["--data-dir", directory] + arguments
        let current = try NodeConfiguration.load(arguments: arguments, environment: [:], service: service)
        return ConfigurationReloader(current: current, arguments: arguments, environment: [:], service: service)
    }

    @Test func reload_movesLiveSettings_andReportsTheOthersAsNeedingARestart() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bloom.toml"
        try "log-level = \"info\"\nbind = \"0.0.0.0\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        var reloader = try reloader(directory)
        try """
            log-level = "debug"
            bind = "127.0.0.1"
            connect = [
              "h:1",
            ]
            max-inbound = 5
            ban-time = 60
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let changes = try reloader.reload()
        #expect(
            changes.lines == [
                "connect changed: [] → [h:1]",
                "log-level changed: info → debug",
                "bind changed: needs a restart (0.0.0.0 → 127.0.0.1)",
                "max-inbound changed: 117 → 5",
                "ban-time changed: 86400.0 → 60.0",
            ]
        )
        let current = reloader.current
        #expect(current.logLevel == "debug" && current.connect == ["h:1"] && current.maxInbound == 5)
        #expect(current.banTime == 60)
        #expect(current.bind == "0.0.0.0", "a setting that needs a restart keeps its running value")
        #expect(current.provenance.last { $0.name == "log-level" }?.origin == .file(path: file, line: 1))
        // Reloading the same file again: the live settings are in force; the restart is still due.
        #expect(try reloader.reload().lines == ["bind changed: needs a restart (0.0.0.0 → 127.0.0.1)"])
    }

    @Test func changes_inAService_nameWhatItAppliesAndWhatNeedsARestart_notWhatItDoesNotUse() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bloom.toml"
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        var reloader = try reloader(directory)
        try "log-level = \"debug\"\nconnect = [\"h:1\"]\nport = 7000\n".write(toFile: file, atomically: true, encoding: .utf8)
        let changes = try reloader.reload()
        #expect(
            changes.lines(appliedHere: ["log-level"]) == [
                "port changed: needs a restart (7618 → 7000)", "log-level changed: info → debug",
            ]
        )
        #expect(changes.lines(appliedHere: ["log-level", "connect"]).contains("connect changed: [] → [h:1]"))
        #expect(changes.lines.count == 3)
    }

    @Test func reload_whenFileIsBad_throwsAndKeepsTheRunningConfiguration() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bloom.toml"
        try "log-level = \"warning\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        var reloader = try reloader(directory, service: "bloom-net")
        let before = reloader.current
        for bad in ["log-level = \"loud\"\n", "log-level = [\n", "bloom-net = { max-inbound = -1 }\n"] {
            try bad.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError.self) { try reloader.reload() }
            #expect(reloader.current == before)
        }
    }

    @Test func reload_whenAFlagSetsTheValue_theFlagStillWins() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bloom.toml"
        try "log-level = \"info\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        var reloader = try reloader(directory, ["--log-level", "error"])
        try "log-level = \"trace\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try reloader.reload().isEmpty)
        #expect(reloader.current.logLevel == "error")
    }

    @Test func reload_aServiceTable_changesOnlyThatService() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bloom.toml"
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        var net = try reloader(directory, service: "bloom-net")
        var sync = try reloader(directory, service: "bloom-sync")
        try "bloom-net.log-level = \"debug\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try net.reload().lines == ["log-level changed: info → debug"])
        #expect(try sync.reload().isEmpty)
    }

    @Test func logLevel_setAtRunTime_appliesToHandlersWithoutTheirOwn() {
        let before = LogBootstrap.level
        defer { LogBootstrap.setLevel(before.rawValue) }
        var handler = PrefixedStderrLogHandler(prefix: "t/0", label: "t")
        LogBootstrap.setLevel("debug")
        #expect(handler.logLevel == .debug)
        LogBootstrap.setLevel("error")
        #expect(handler.logLevel == .error)
        handler.logLevel = .trace
        #expect(handler.logLevel == .trace)
    }
}
