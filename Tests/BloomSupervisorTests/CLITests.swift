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
                    "retry_in_s": .number(287),
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
        #expect(lines[2].contains("failed (more than 5 restarts within 60 s; retry in 287 s)"))
        #expect(lines[2].hasSuffix("exited with code 1"))
    }

    @Test func statusTable_withAServiceOfAnotherHost_addsAHostColumn() {
        let result = JSONValue.object([
            "services": .array([
                .object([
                    "name": .string("bloom-sync"), "replica": .number(0), "pid": .number(10), "state": .string("ready"),
                    "restarts": .number(0), "uptime_s": .number(3), "last_exit": .null, "host": .string("chain-1"),
                ]),
                .object([
                    "name": .string("bloom-net"), "replica": .number(0), "pid": .number(77), "state": .string("ready"),
                    "restarts": .null, "uptime_s": .null, "last_exit": .null, "host": .string("edge-2"),
                    "remote": .bool(true),
                ]),
            ])
        ])
        let lines = HumanOutput.status(result).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("SERVICE     HOST"))
        #expect(lines[1].hasPrefix("bloom-sync  chain-1 "))
        #expect(lines[2].hasPrefix("bloom-net   edge-2 (remote)"))
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

    @Test func mempoolSummary_countsBytesAndListsEveryTxid() {
        let txids = [String(repeating: "ab", count: 32), String(repeating: "cd", count: 32)]
        let result = JSONValue.object([
            "count": .number(2), "bytes": .number(410), "txids": .array(txids.map { .string($0) }),
        ])
        #expect(HumanOutput.mempool(result) == "2 transactions, 410 bytes\n  \(txids[0])\n  \(txids[1])")
        let empty = JSONValue.object(["count": .number(0), "bytes": .number(0), "txids": .array([])])
        #expect(HumanOutput.mempool(empty) == "0 transactions, 0 bytes")
        let one = JSONValue.object(["count": .number(1), "bytes": .number(98), "txids": .array([.string(txids[0])])])
        #expect(HumanOutput.mempool(one).hasPrefix("1 transaction, 98 bytes\n"))
    }

    @Test func mempoolCommand_parsesWithJSONAndDataDirectory_andRejectsExtraArguments() throws {
        let parsed = try Bloom.parseAsRoot(Bloom.movingLeadingOptions(["--data-dir", "/d", "mempool", "--json"]))
        #expect(parsed is BloomCLI.Mempool)
        #expect(Bloom.execute(["mempool", "extra"]) == 2)
    }

    @Test func blockAndIntegrityCommands_parseWithDataDirectory_andCheckTheirArguments() throws {
        let block = try Bloom.parseAsRoot(Bloom.movingLeadingOptions(["--data-dir", "/d", "block", "12", "--json"]))
        #expect((block as? BloomCLI.Block)?.id == "12")
        #expect(Bloom.execute(["block"]) == 2)
        let integrity = try Bloom.parseAsRoot(Bloom.movingLeadingOptions(["--data-dir", "/d", "integrity", "--json"]))
        #expect(integrity is BloomCLI.Integrity)
        #expect(Bloom.execute(["integrity", "extra"]) == 2)
    }

    /// A coherence answer in the shape bloom-gossip gives (CoherenceReport): one peer with a fresh report, one
    /// without.
    static let coherenceAnswer = JSONValue.object([
        "local": .object(["r": .number(0.91234), "psi": .number(2.1)]),
        "network": .object(["r": .number(0.88), "psi": .number(-1.25)]),
        "network_peers": .number(1), "reported_coherence": .number(0.87), "mining": .bool(true),
        "attempts_per_s": .number(12.3), "rounds_per_s": .number(340), "strategy": .string("bloom"),
        "peers": .array([
            .object([
                "id": .string("00112233aabbccdd"), "address": .string("127.0.0.1:7619"), "r": .number(0.87),
                "age_s": .number(0.4), "score": .number(0),
            ]),
            .object([
                "id": .string("ffeeddccbbaa9988"), "address": .null, "r": .null, "age_s": .null,
                "score": .number(-2.5),
            ]),
        ]),
    ])

    @Test func coherence_showsLocalNetworkMiningThenOneAlignedRowPerPeer() {
        let lines = HumanOutput.coherence(Self.coherenceAnswer).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        #expect(
            lines == [
                "local   r 0.912  psi 2.100",
                "network r 0.880  psi -1.250  (1 peer(s) merged, reported r 0.870)",
                "mining  yes  (strategy bloom, 12.3 attempts/s, 340.0 rounds/s)",
                "",
                "PEER              ADDRESS         R      AGE   SCORE",
                "00112233aabbccdd  127.0.0.1:7619  0.870  0.4s  0.000",
                "ffeeddccbbaa9988  -               -      -     -2.500",
            ]
        )
    }

    @Test func coherence_withoutPeers_saysSo() {
        let answer = JSONValue.object([
            "local": .object(["r": .number(0.5), "psi": .number(0)]),
            "network": .object(["r": .number(0), "psi": .number(0)]),
            "peers": .array([]), "mining": .bool(false),
        ])
        #expect(
            HumanOutput.coherence(answer)
                == "local   r 0.500  psi 0.000\nnetwork r 0.000  psi 0.000\nmining  no\n\nno peers"
        )
    }

    @Test func peers_showsOneRowPerPeer_orNoPeers() {
        let answer = JSONValue.object([
            "peers": .array([
                .object([
                    "id": .string("00112233aabbccdd"), "address": .string("127.0.0.1:7619"),
                    "direction": .string("in"), "height": .number(41), "bytes_in": .number(1200),
                ])
            ])
        ])
        #expect(
            HumanOutput.peers(answer)
                == "ID                ADDRESS         DIRECTION  HEIGHT\n"
                + "00112233aabbccdd  127.0.0.1:7619  in         41"
        )
        #expect(HumanOutput.peers(.object(["peers": .array([])])) == "no peers")
    }

    @Test func chain_showsAlignedKeyValueLinesInKeyOrder() {
        let answer = JSONValue.object([
            "height": .number(41), "tip": .string(String(repeating: "ab", count: 32)), "syncing": .bool(false),
            "eta_s": .null, "blocks_per_s": .number(2.5),
        ])
        #expect(
            HumanOutput.keyValues(answer).split(separator: "\n").map(String.init) == [
                "blocks_per_s  2.500", "eta_s         -", "height        41", "syncing       no",
                "tip           " + String(repeating: "ab", count: 32),
            ]
        )
    }

    @Test func txSubmit_showsTheTxidAndWhetherItWasAccepted() {
        let answer = JSONValue.object([
            "txid": .string("cd" + String(repeating: "0", count: 62)), "accepted": .bool(true),
        ])
        #expect(HumanOutput.keyValues(answer) == "accepted  yes\ntxid      cd" + String(repeating: "0", count: 62))
    }

    @Test func keyValues_nestedObjectsAndListsOfObjects_areFlattenedNotJSON() {
        let answer = JSONValue.object([
            "progress": .object(["target": .number(50), "done": .number(0.5)]),
            "peers": .array([.object(["id": .string("a")]), .object(["id": .string("b")])]),
            "tags": .array([.string("x"), .string("y")]),
        ])
        #expect(
            HumanOutput.keyValues(answer).split(separator: "\n").map(String.init) == [
                "peers[0].id      a", "peers[1].id      b", "progress.done    0.500", "progress.target  50",
                "tags             x, y",
            ]
        )
    }

    @Test func restartScaleAndStop_sayWhatTheNodeDoes() {
        let restarted = JSONValue.object([
            "restarted": .array([.object(["name": .string("bloom-net"), "replica": .number(1)])])
        ])
        #expect(HumanOutput.restarted(restarted) == "restarting bloom-net/1")
        #expect(HumanOutput.restarted(.object(["restarted": .array([])])) == "restarting nothing")
        let scaled = JSONValue.object(["name": .string("bloom-net"), "replicas": .number(3)])
        #expect(HumanOutput.scaled(scaled, service: "net") == "bloom-net: 3 replica(s)")
        #expect(HumanOutput.stopping(.object(["stopping": .bool(true)])) == "stopping the node")
    }

    @Test func reload_listsEachChangeAndWhetherItNeedsARestart() {
        let answer = JSONValue.object([
            "changes": .array([
                .object([
                    "setting": .string("log-level"), "old": .string("info"), "new": .string("debug"),
                    "live": .bool(true),
                ]),
                .object([
                    "setting": .string("bind"), "old": .string("0.0.0.0"), "new": .string("127.0.0.1"),
                    "live": .bool(false),
                ]),
            ])
        ])
        let lines = HumanOutput.reloaded(answer).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[1].contains("log-level") && lines[1].contains("debug") && lines[1].hasSuffix("applied"))
        #expect(lines[2].contains("bind") && lines[2].hasSuffix("needs a restart"))
        #expect(HumanOutput.reloaded(.object(["changes": .array([])])) == "configuration reloaded: nothing changed")
    }

    /// No human output shows JSON syntax, whatever the answer holds (an unknown nested field included).
    @Test func everyHumanOutput_showsNoJSON() {
        let extra: [String: JSONValue] = ["extra": .object(["nested": .object(["deep": .array([.number(1)])])])]
        func adding(_ value: JSONValue) -> JSONValue {
            guard case .object(let members) = value else { return value }
            return .object(members.merging(extra) { first, _ in first })
        }
        let status = JSONValue.object([
            "services": .array([
                .object([
                    "name": .string("bloom-net"), "replica": .number(0), "pid": .number(1), "state": .string("ready"),
                    "restarts": .number(0), "uptime_s": .number(1), "last_exit": .object(["reason": .string("ok")]),
                ])
            ])
        ])
        let outputs = [
            HumanOutput.status(adding(status)),
            HumanOutput.coherence(adding(Self.coherenceAnswer)),
            HumanOutput.peers(adding(.object(["peers": .array([adding(.object(["id": .string("a")]))])]))),
            HumanOutput.keyValues(adding(.object(["height": .number(1)]))),
            HumanOutput.restarted(adding(.object(["restarted": .array([])]))),
            HumanOutput.scaled(adding(.object(["name": .string("bloom-net"), "replicas": .number(2)])), service: "net"),
            HumanOutput.stopping(adding(.object([:]))),
            HumanOutput.reloaded(
                adding(.object(["changes": .array([adding(.object(["setting": .string("bind")]))])]))
            ),
            HumanOutput.text(.object(["a": .object(["b": .number(1)])])),
        ]
        for output in outputs {
            #expect(!output.contains("{") && !output.contains("}") && !output.contains("\""), "\(output)")
        }
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

    @Test func leadingOptions_completionScriptShell_staysWithItsOption() {
        #expect(
            Bloom.movingLeadingOptions(["--generate-completion-script", "zsh"]) == [
                "--generate-completion-script", "zsh",
            ]
        )
    }

    /// What Scripts/install puts in the bash, zsh and fish completion directories.
    @Test(arguments: [
        ("bash", "complete -o filenames -F _bloom bloom"), ("zsh", "#compdef bloom"), ("fish", "complete -c 'bloom'"),
    ])
    func completionScript_forEachShell_isThatShellsScriptWithTheSubcommands(shell: String, marker: String) {
        do {
            _ = try Bloom.parseAsRoot(Bloom.movingLeadingOptions(["--generate-completion-script", shell]))
            Issue.record("--generate-completion-script parsed as a command")
        } catch {
            let script = Bloom.fullMessage(for: error)
            #expect(Bloom.exitCode(for: error) == .success)
            #expect(script.contains(marker))
            for subcommand in ["status", "restart", "scale", "stop", "peers", "chain", "coherence", "mempool", "tx", "block", "integrity"] {
                #expect(script.contains(subcommand), "\(shell): no \(subcommand)")
            }
        }
    }
}
