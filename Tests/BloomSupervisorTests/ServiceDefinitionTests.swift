import BloomTestSupport
import Foundation
import Testing

@testable import BloomSupervisor

@Suite(.dedicatedThread) struct ServiceDefinitionTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func builtinDefinitions_equalTheFilesInServicesDirectory() throws {
        let directory = Self.repository + "/Services"
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".toml") }
            .sorted()
        #expect(names == BuiltinServices.files.map(\.name).sorted())
        for file in BuiltinServices.files {
            let onDisk = try String(contentsOfFile: directory + "/" + file.name, encoding: .utf8)
            #expect(onDisk == file.text, "Services/\(file.name) differs from the built-in copy")
        }
    }

    @Test func builtinCatalog_hasTheThreeServicesInStopOrderNetGossipSync() throws {
        let catalog = try ServiceCatalog.builtin()
        #expect(catalog.definitions.map(\.name) == ["bloom-net", "bloom-gossip", "bloom-sync"])
        #expect(catalog.definition(named: "net")?.scalable == true)
        #expect(catalog.definition(named: "bloom-sync")?.scalable == false)
        #expect(catalog.definitions.allSatisfy { $0.restart == RestartPolicy() && $0.heartbeatTimeout == 5 })
    }

    @Test(arguments: [
        ("[service]\nname = \"x\"\nreplicas = \"two\"", 3, "[service] replicas", "expected an integer"),
        ("[service]\nname = \"x\"\nreplcas = 2", 3, "[service] replcas", "unknown key"),
        ("[service]\nreplicas = 1", 1, "[service] name", "is required"),
        ("[service]\nname = \"x\"\n[restart]\npolicy = \"sometimes\"", 4, "[restart] policy", "not always"),
        ("[service]\nname = \"x\"\n[timeouts]\nstop_s = -1", 4, "[timeouts] stop_s", "outside"),
        ("[service]\nname = \"x\"\nreplicas = 2", 3, "[service] replicas", "not scalable"),
        ("name = \"x\"", 1, "name", "belong in a table"),
        ("[service]\nname = \"x\"\n[extra]", 3, "[extra]", "unknown table"),
        ("[service]\nname = \"x\"\nenvironment = [\"NOEQUALS\"]", 3, "[service] environment", "KEY=VALUE"),
        // A newline inside a basic string.
        ("[service]\nname = \"x\n", 2, "syntax", "newline in a string"),
        ("[service]\nname = \"a b\"", 2, "[service] name", "letters"),
    ])
    func parse_whenDefinitionIsBad_namesFileLineAndField(text: String, line: Int, field: String, fragment: String) {
        do {
            _ = try ServiceDefinition(parsing: text, file: "Services/x.toml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "Services/x.toml")
            #expect(error.line == line)
            #expect(error.field == field)
            #expect(error.reason.contains(fragment), "\(error.reason)")
        }
    }

    @Test func parse_fullTOML_tablesInlineTablesAndDottedKeysMeanTheSame() throws {
        let tables = try ServiceDefinition(
            parsing: """
                [service]
                name = "x"
                arguments = [
                    "--a",  # first
                    # between
                    "--b",
                ]
                [restart]
                policy = "never"
                [timeouts]
                stop_s = 2
                """,
            file: "a.toml"
        )
        let inline = try ServiceDefinition(
            parsing: """
                service = { name = "x", arguments = ["--a", "--b"] }
                restart.policy = "never"
                timeouts.stop_s = 2
                """,
            file: "b.toml"
        )
        #expect(tables.arguments == ["--a", "--b"])
        #expect(tables.restart.mode == .never && tables.stopTimeout == 2)
        #expect(inline.name == tables.name && inline.arguments == tables.arguments)
        #expect(inline.restart == tables.restart && inline.stopTimeout == tables.stopTimeout)
    }

    @Test func parse_whenAnInlineTableHasAWrongType_namesItsLine() {
        do {
            _ = try ServiceDefinition(
                parsing: "service.name = \"x\"\n\ntimeouts = { stop_s = \"soon\" }\n",
                file: "Services/x.toml"
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3 && error.field == "[timeouts] stop_s")
            #expect(error.reason.contains("expected a number, got a string"))
        }
    }

    @Test func load_whenTwoFilesDefineTheSameService_refuses() throws {
        let directory = NSTemporaryDirectory() + "bloom-defs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["a.toml", "b.toml"] {
            try "[service]\nname = \"bloom-net\"\n".write(
                toFile: "\(directory)/\(file)",
                atomically: true,
                encoding: .utf8
            )
        }
        #expect(throws: ServiceDefinitionError.self) { try ServiceCatalog.load(directory: directory) }
    }
}
