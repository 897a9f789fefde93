import BloomTestSupport
import Foundation
import Testing

@testable import BloomServiceKit

/// `bloom.toml` as full TOML 1.0: what any TOML user writes is read, and every mistake names file, line and key.
@Suite(.dedicatedThread) struct ConfigurationFileTests {
    private func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let directory = NSTemporaryDirectory() + "bloom-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try text.write(toFile: directory + "/bloom.toml", atomically: true, encoding: .utf8)
        return try body(directory)
    }

    static let fullTOML = """
        # a node that follows two peers
        connect = [
            "a.example:7618",  # the first
            # a comment line inside the array
            'b.example:7618',
        ]
        "max-outbound" = 12
        bloom-net = { max-inbound = 40, log-level = "debug" }
        bloom-sync.log-level = "trace"

        [bloom-gossip]
        mine = true
        min-block-interval = 60
        """

    @Test func load_fullTOML_readsArraysQuotedKeysInlineTablesDottedKeysAndTables() throws {
        try withFile(Self.fullTOML) { directory in
            let path = directory + "/bloom.toml"
            let node = try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:])
            #expect(node.connect == ["a.example:7618", "b.example:7618"])
            #expect(node.maxOutbound == 12 && node.maxInbound == 117 && node.logLevel == "info" && !node.mine)
            let origins = Dictionary(node.provenance.map { ($0.name, $0.origin) }) { $1 }
            #expect(origins["connect"] == .file(path: path, line: 2))
            #expect(origins["max-outbound"] == .file(path: path, line: 7))

            let net = try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:], service: "bloom-net")
            #expect(net.maxInbound == 40 && net.logLevel == "debug" && net.maxOutbound == 12)
            #expect(net.provenance.last { $0.name == "max-inbound" }?.origin == .file(path: path, line: 8))

            let sync = try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:], service: "bloom-sync")
            #expect(sync.logLevel == "trace" && sync.maxInbound == 117)
            #expect(sync.provenance.last { $0.name == "log-level" }?.origin == .file(path: path, line: 9))

            let gossip = try NodeConfiguration.load(
                arguments: ["--data-dir", directory],
                environment: [:],
                service: "bloom-gossip"
            )
            #expect(gossip.mine && gossip.minBlockInterval == 60)
            #expect(gossip.provenance.last { $0.name == "mine" }?.origin == .file(path: path, line: 12))
        }
    }

    @Test func load_whenAServiceTableIsSet_flagsAndEnvironmentStillWin() throws {
        try withFile("[bloom-net]\nlog-level = \"debug\"\nmax-inbound = 3\n") { directory in
            let net = try NodeConfiguration.load(
                arguments: ["--data-dir", directory, "--log-level", "error"],
                environment: ["BLOOM_MAX_INBOUND": "9"],
                service: "bloom-net"
            )
            #expect(net.logLevel == "error" && net.maxInbound == 9)
        }
    }

    @Test(arguments: [
        // (file, line, key, reason fragment)
        ("connect = [\n  \"a:1\",\n]\nbloom-net = { max-inbound = \"many\" }\n", 4, "bloom-net.max-inbound", "expected an integer, got a string"),
        ("bind = \"\"\"\nport = 1\n\"\"\"\nport = true\n", 4, "port", "expected an integer, got a boolean"),
        ("mine = [\n  true,\n  # no\n]\n", 1, "mine", "expected true or false, got an array"),
        ("connect = [1, 2]\n", 1, "connect", "expected an array of strings"),
        ("log-level = 1979-05-27\n", 1, "log-level", "expected a string, got a date"),
        ("[bloom-net]\nprot = 1\n", 2, "bloom-net.prot", "unknown key"),
        ("a.b.c = 1\n", 1, "a.b.c", "unknown key"),
        ("port = 1\nbind = \"open\n", 2, "syntax", "newline in a string"),
        ("port = 1\nport = 2\n", 2, "syntax", "'port' is already defined (line 1)"),
    ])
    func load_whenFileIsWrong_namesFileLineAndKey(text: String, line: Int, key: String, fragment: String) throws {
        try withFile(text) { directory in
            do {
                _ = try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:], service: "bloom-net")
                Issue.record("expected an error for \(text)")
            } catch let error as ConfigurationError {
                #expect(error.origin == .file(path: directory + "/bloom.toml", line: line), "\(error)")
                #expect(error.field == key, "\(error)")
                #expect(error.reason.contains(fragment), "\(error)")
                #expect(!error.isUsageError)
            } catch {
                Issue.record("not a ConfigurationError: \(error)")
            }
        }
    }

    @Test func load_whenAnotherServicesTableHasAWrongType_refusesTheFileEverywhere() throws {
        try withFile("port = 7000\n[bloom-net]\nmax-inbound = \"many\"\n") { directory in
            #expect {
                try NodeConfiguration.load(
                    arguments: ["--data-dir", directory],
                    environment: [:],
                    service: "bloom-supervisor"
                )
            } throws: { error in
                "\(error)".hasSuffix("bloom.toml:3: bloom-net.max-inbound: expected an integer, got a string")
            }
        }
    }

    @Test func load_whenAnotherServicesTableHasABadValue_refusesTheFileEverywhere() throws {
        try withFile("[bloom-sync]\nlog-level = \"loud\"\n") { directory in
            #expect {
                try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:], service: "bloom-net")
            } throws: { error in
                "\(error)".hasSuffix("bloom.toml:2: log-level: 'loud' is not one of trace, debug, info, notice, warning, error, critical")
            }
        }
    }

    @Test func secretOption_isReadButNeverShown() throws {
        let secret = OptionSpec(name: "curve-secret-key", kind: .string, help: "a secret", isSecret: true)
        var reader = try SettingsReader(
            layers: [.environment(["BLOOM_CURVE_SECRET_KEY": "s3cret"])],
            options: [secret]
        )
        #expect(try reader.string("curve-secret-key") == "s3cret")
        let entry = try #require(reader.provenance.first)
        #expect(entry.value == "<redacted>")
        #expect(entry.origin == .environment("BLOOM_CURVE_SECRET_KEY"))
        #expect(!"\(reader.provenance)".contains("s3cret"))
    }
}
