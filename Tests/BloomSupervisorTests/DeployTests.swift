import BloomServiceKit
import BloomTestSupport
import Foundation
import Testing

@Suite(.dedicatedThread) struct DeployTests {
    static let deploy = ServiceDefinitionTests.repository + "/Deploy"

    /// The Grafana dashboard is JSON and every series its queries name is one bloom-supervisor serves.
    @Test func grafanaDashboard_parses_andQueriesOnlyServedSeries() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.deploy + "/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        let served = Set(MetricNames.help.keys).union([
            "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
        ])
        let pattern = try Regex("(bloom|process)_[a-z0-9_]+")
        var named = Set<String>()
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expr = try #require(target["expr"] as? String)
                for match in expr.matches(of: pattern) {
                    var name = String(expr[match.range])
                    for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !served.contains(name) {
                        name = String(name.dropLast(suffix.count))
                    }
                    #expect(served.contains(name), "panel \(panel["title"] ?? "?"): \(name)")
                    named.insert(name)
                }
            }
        }
        #expect(named.contains("bloom_coherence_r") && named.contains("bloom_service_up"))
    }

    /// `Deploy/check`: the YAML parses, the scrape configuration and the alert rules have Prometheus's fields,
    /// and they name only served series (promtool is not on the build machines).
    @Test func monitoringFiles_passDeployCheck() throws {
        let checked = try runProcess("/usr/bin/env", ["python3", Self.deploy + "/check"])
        #expect(checked.status == 0, "\(checked.output)")
    }

    static let unit = ServiceDefinitionTests.repository + "/Deploy/bloom-supervisor.service"

    @Test func systemdUnit_hasTheHardeningAndRestartPolicy() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        for line in [
            "User=bloom", "ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/bloomcoin",
            "Restart=on-failure", "RestartPreventExitStatus=78", "KillSignal=SIGTERM",
        ] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "missing \(line)")
        }
    }

    /// The unit runs what `Scripts/install` installs with its default prefix: the supervisor in PREFIX/bin, and
    /// points at the man page it installs.
    @Test func systemdUnit_runsTheSupervisorWhereScriptsInstallPutsIt() throws {
        let unit = try String(contentsOfFile: Self.unit, encoding: .utf8).split(separator: "\n").map(String.init)
        let script = try String(contentsOfFile: ServiceDefinitionTests.repository + "/Scripts/install", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let prefix = try #require(script.first { $0.hasPrefix("prefix=") }).dropFirst("prefix=".count)
        let execStart = try #require(unit.first { $0.hasPrefix("ExecStart=") }).dropFirst("ExecStart=".count)
        #expect(execStart.split(separator: " ").first.map(String.init) == "\(prefix)/bin/bloom-supervisor")
        #expect(script.contains { $0.contains("\"$prefix/bin/$binary\"") })
        #expect(script.contains { $0.contains("binaries=(") && $0.contains(" bloom-supervisor ") })
        #expect(unit.contains("Documentation=man:bloom(1)"))
        #expect(script.contains { $0.contains("\"$prefix/share/man/man1/bloom.1\"") })
    }

    /// Where systemd-analyze is, if installed.
    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// `systemd-analyze verify` checks the unit's syntax and that ExecStart names an executable, so the check runs
    /// on a copy whose ExecStart points at the bloom-supervisor just built.
    @Test(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
    func systemdUnit_passesSystemdAnalyzeVerify() throws {
        let analyze = try #require(Self.systemdAnalyze)
        let directory = "/tmp/bloom-unit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/bloom-supervisor", with: TestNode.binaries + "/bloom-supervisor")
        try text.write(toFile: directory + "/bloom-supervisor.service", atomically: true, encoding: .utf8)
        // --man=no: Documentation= names `man bloom`, which exists once Scripts/install ran, not on a build machine.
        let verified = try runProcess(analyze, ["verify", "--man=no", directory + "/bloom-supervisor.service"])
        #expect(verified.status == 0, "\(verified.output)")
    }

    @Test func containerfile_buildsWithSwiftInstallsLibzmqAndRunsTheSupervisor() throws {
        let text = try String(
            contentsOfFile: ServiceDefinitionTests.repository + "/Deploy/Containerfile",
            encoding: .utf8
        )
        #expect(text.contains("FROM docker.io/library/swift:"))
        #expect(text.contains("libzmq3-dev") && text.contains("libzmq5"))
        #expect(text.contains("swift build -c release"))
        #expect(text.contains("ENTRYPOINT [\"/usr/local/bin/bloom-supervisor\""))
    }
}
