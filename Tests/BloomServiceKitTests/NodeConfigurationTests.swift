import BloomTestSupport
import Foundation
import Testing

@testable import BloomServiceKit

@Suite(.dedicatedThread) struct NodeConfigurationTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bloom-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func load_withNothingSet_usesDefaultsOfTheDesign() throws {
        let configuration = try NodeConfiguration.load(arguments: [], environment: ["HOME": "/home/op"])
        #expect(configuration.dataDirectory == "/home/op/.bloomcoin")
        #expect(configuration.port == 7618)
        #expect(configuration.connect.isEmpty)
        #expect(configuration.mine == false)
        #expect(configuration.logLevel == "info")
        #expect(configuration.bind == "0.0.0.0")
        #expect(configuration.maxOutbound == 8 && configuration.maxInbound == 117)
        #expect(configuration.minBlockInterval == 420 && configuration.banTime == 86400)
        #expect(configuration.gossipStrategy == "bloom" && configuration.mineProfile == "quick")
        #expect(configuration.busPub == "ipc:///home/op/.bloomcoin/run/bus.pub")
        #expect(configuration.control == "ipc:///home/op/.bloomcoin/run/control")
        #expect(configuration.provenance.allSatisfy { $0.origin == .defaultValue })
    }

    @Test func load_whenFlagEnvironmentAndFileDisagree_flagWinsThenEnvironmentThenFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "port = 9000\nmax-outbound = 3\nmax-inbound = 4\nconnect = [\"a:1\", \"b:2\"]\n"
            .write(toFile: directory + "/bloom.toml", atomically: true, encoding: .utf8)
        let configuration = try NodeConfiguration.load(
            arguments: ["--data-dir", directory, "--port", "9100"],
            environment: ["BLOOM_PORT": "9200", "BLOOM_MAX_OUTBOUND": "5"]
        )
        #expect(configuration.port == 9100)
        #expect(configuration.maxOutbound == 5)
        #expect(configuration.maxInbound == 4)
        #expect(configuration.connect == ["a:1", "b:2"])
        #expect(configuration.configFile == directory + "/bloom.toml")
        let origins = Dictionary(configuration.provenance.map { ($0.name, $0.origin) }) { $1 }
        #expect(origins["port"] == .flag("--port"))
        #expect(origins["max-outbound"] == .environment("BLOOM_MAX_OUTBOUND"))
        #expect(origins["max-inbound"] == .file(path: directory + "/bloom.toml", line: 3))
        #expect(origins["bind"] == .defaultValue)
    }

    @Test func load_whenFileHasBadValue_namesFileLineAndField() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "# node\n\nport = \"high\"\n".write(toFile: directory + "/bloom.toml", atomically: true, encoding: .utf8)
        #expect {
            try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:])
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.origin == .file(path: directory + "/bloom.toml", line: 3) && error?.field == "port"
        }
    }

    @Test func load_whenFileHasUnknownKey_refusesIt() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "prot = 1\n".write(toFile: directory + "/bloom.toml", atomically: true, encoding: .utf8)
        #expect {
            try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.description.contains("bloom.toml:1: prot: unknown key") == true
        }
    }

    @Test(arguments: [
        (["--port", "0"], [String: String](), "flag --port: port:"),
        ([], ["BLOOM_PORT": "x"], "environment BLOOM_PORT: port:"),
        ([], ["BLOOM_LOG_LEVEL": "loud"], "environment BLOOM_LOG_LEVEL: log-level:"),
        (["--connect", "nohost"], [:], "flag --connect: connect:"),
        (["--reward-address", "xyz"], [:], "flag --reward-address: reward-address:"),
        (["--incorporate-weight", "nan"], [:], "flag --incorporate-weight: incorporate-weight:"),
        ([], ["BLOOM_MINE": "maybe"], "environment BLOOM_MINE: mine:"),
        (["--config", "/nonexistent/bloom.toml"], [:], "config: no file"),
    ])
    func load_whenValueIsBad_errorNamesSourceAndField(
        arguments: [String],
        environment: [String: String],
        fragment: String
    ) {
        #expect {
            try NodeConfiguration.load(arguments: arguments, environment: environment.merging(["HOME": "/tmp"]) { $1 })
        } throws: { error in
            let text = "\(error)"
            return text.contains(fragment) && (error as? ConfigurationError)?.isUsageError == false
        }
    }

    @Test func parse_whenFlagIsUnknownOrLacksValue_isUsageError() {
        for arguments in [["--bogus"], ["--port"], ["stray"]] {
            #expect {
                try CommandLineFlags.parse(arguments)
            } throws: { error in
                (error as? ConfigurationError)?.isUsageError == true
            }
        }
    }

    @Test func parse_acceptsEqualsFormsBooleanAloneAndRepeatedLists() throws {
        let values = try CommandLineFlags.parse(["--mine", "--port=7", "--connect", "a:1", "--connect=b:2"])
        #expect(values["mine"] == ["true"])
        #expect(values["port"] == ["7"])
        #expect(values["connect"] == ["a:1", "b:2"])
    }

    @Test func childArguments_reproduceTheConfigurationInAChild() throws {
        let parent = try NodeConfiguration.load(
            arguments: ["--data-dir", "/tmp/n", "--mine", "--connect", "h:1", "--port", "7700"],
            environment: [:]
        )
        let child = try NodeConfiguration.load(arguments: parent.childArguments(replica: 2), environment: [:])
        #expect(child.replica == 2)
        var expected = parent
        expected.replica = 2
        expected.provenance = child.provenance
        #expect(child == expected)
    }

    @Test func heartbeatSchedule_isFastForTwoSecondsThenEverySecond() {
        let schedule = HeartbeatSchedule()
        #expect(schedule.next(after: 10, start: 10) == 10.25)
        #expect(schedule.next(after: 11.75, start: 10) == 12)
        #expect(schedule.next(after: 12, start: 10) == 13)
    }
}
