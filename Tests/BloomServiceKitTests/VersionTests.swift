import Testing

@testable import BloomServiceKit

struct VersionTests {
    @Test func versionLine_withARevision_namesProgramVersionAndCommit() {
        #expect(
            BloomVersion.line(program: "bloom", revision: "3c0cd31") == "bloom \(BloomVersion.number) (git 3c0cd31)"
        )
        #expect(
            BloomVersion.line(program: "bloom-net", revision: "3c0cd31-dirty")
                == "bloom-net \(BloomVersion.number) (git 3c0cd31-dirty)"
        )
    }

    @Test func versionLine_withoutARevision_isTheVersionAlone() {
        #expect(BloomVersion.line(program: "bloom-sync", revision: nil) == "bloom-sync \(BloomVersion.number)")
    }

    @Test func versionNumber_isMajorMinorPatch() {
        let parts = BloomVersion.number.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) })
    }

    @Test func wantsVersion_onlyForTheVersionFlag() {
        #expect(CommandLineFlags.wantsVersion(["--data-dir", "/d", "--version"]))
        #expect(!CommandLineFlags.wantsVersion(["--data-dir", "/d"]))
        #expect(!CommandLineFlags.wantsVersion(["--help"]))
    }

    @Test func help_mentionsHelpAndVersion() {
        let text = CommandLineFlags.help(program: "bloom-net", summary: "A service.")
        #expect(text.contains("bloom-net --help | --version"))
    }
}
