import BloomServiceKit
import BloomTestSupport
import Foundation
import Testing

/// Every built binary answers `--version` with the line of `BloomVersion` (the same build as this test bundle,
/// so the same revision, or none) and exits 0 without starting anything.
@Suite(.dedicatedThread) struct VersionProcessTests {
    @Test(arguments: ["bloom-supervisor", "bloom-net", "bloom-sync", "bloom-gossip", "bloom"])
    func binary_version_printsTheVersionLineAndExitsZero(binary: String) throws {
        let path = TestNode.binaries + "/" + binary
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "no \(path): build everything first (swift build --build-tests)"
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--version"]
        // A throw-away data directory: --version must not need one, and must not touch the default.
        process.environment = ["BLOOM_DATA_DIR": "/nonexistent/bloom-version-test", "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        // stderr to a file: nothing to drain while stdout is read, so neither can block the other.
        let errorPath = NSTemporaryDirectory() + "bloom-version-\(UUID().uuidString).err"
        FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try errors.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let errorText = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0, "stderr: \(errorText)")
        #expect(text == BloomVersion.line(program: binary) + "\n")
    }
}
