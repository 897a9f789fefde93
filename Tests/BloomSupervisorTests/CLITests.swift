import BloomServiceKit
import BloomTestSupport
import Testing

@testable import BloomCLI

@Suite(.dedicatedThread) struct CLITests {
    @Test func statusTable_showsOneAlignedRowPerReplicaWithFailureAndLastExit() {
        let result = JSONValue.object([
            "services": .array([
                .object([
                    "name": .string("bloom-net"), "replica": .number(0), "pid": .number(4242),
                    "state": .string("ready"),
                    "restarts": .number(0), "uptime_s": .number(12.5), "last_exit": .null,
                ]),
                .object([
                    "name": .string("bloom-sync"), "replica": .number(0), "pid": .null, "state": .string("failed"),
                    "restarts": .number(5), "uptime_s": .null, "failure": .string("more than 5 restarts within 60 s"),
                    "last_exit": .object(["code": .number(1), "signal": .null, "reason": .string("exited with code 1")]
                    ),
                ]),
            ])
        ])
        let lines = HumanOutput.status(result).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("SERVICE     REPLICA  PID   STATE"))
        #expect(lines[1].hasPrefix("bloom-net   0        4242  ready"))
        #expect(lines[1].contains("12.5s"))
        #expect(lines[2].contains("failed (more than 5 restarts within 60 s)"))
        #expect(lines[2].hasSuffix("exited with code 1"))
    }

    @Test func leadingOptions_areMovedAfterTheSubcommand() {
        #expect(
            Bloom.movingLeadingOptions(["--data-dir", "/d", "status", "--json"]) == [
                "status", "--data-dir", "/d", "--json",
            ]
        )
        #expect(Bloom.movingLeadingOptions(["--json", "tx", "submit", "00"]) == ["tx", "submit", "--json", "00"])
        #expect(Bloom.movingLeadingOptions(["status"]) == ["status"])
    }

    @Test func serviceNames_shortOrFull_becomeFullNames() {
        #expect(fullServiceName("net") == "bloom-net")
        #expect(fullServiceName("bloom-sync") == "bloom-sync")
    }

    @Test func version_isAnsweredByTheRootCommand_withTheVersionLineAndExitZero() {
        do {
            _ = try Bloom.parseAsRoot(["--version"])
            Issue.record("--version parsed as a command")
        } catch {
            #expect(Bloom.fullMessage(for: error) == BloomVersion.line(program: "bloom"))
            #expect(Bloom.exitCode(for: error) == .success)
        }
        #expect(Bloom.execute(["--version"]) == ExitCode.success)
    }
}
