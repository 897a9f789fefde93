import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import Foundation
import Testing

/// Crash safety of the SQLite store: a child `bloom-sync --load-blocks` is killed with SIGKILL at random moments
/// while it writes blocks; every block it reported as committed must survive, and the database must stay sound.
@Suite(.serialized, .dedicatedThread) struct CrashSafetyTests {
    /// Lines a child printed, collected by a reader thread of its own.
    ///
    /// A blocking read on a thread, not `FileHandle.readabilityHandler`: that handler is a dispatch source, which
    /// Foundation cancels asynchronously, so with a new pipe per child the closed descriptor's number came back
    /// while its source was still registered, and libdispatch's event loop crashed the test process.
    final class Output: Sendable {
        private let lines = Locked<[String]>([])
        private let pending = Locked<String>("")
        private let ended = DispatchSemaphore(value: 0)

        /// Starts reading `handle` until end of file.
        static func collecting(_ handle: FileHandle) -> Output {
            let output = Output()
            Thread {
                while case let data = handle.availableData, !data.isEmpty { output.append(data) }
                output.ended.signal()
            }.start()
            return output
        }

        /// Waits (bounded) until the writer closed its end: after the child exited, everything it wrote is here.
        func waitForEnd() -> Bool {
            ended.wait(timeout: .now() + 60) == .success
        }

        func append(_ data: Data) {
            let text = String(decoding: data, as: UTF8.self)
            let complete: [String] = pending.withLock { buffer in
                buffer += text
                var parts = buffer.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                buffer = parts.popLast() ?? ""
                return parts
            }
            lines.withLock { $0 += complete }
        }

        var count: Int { lines.withLock { $0.count } }
        var all: [String] { lines.withLock { $0 } }
    }

    /// The `bloom-sync` executable built beside the test bundle.
    static func executable() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the bundle is `…/debug/BloomCoinPackageTests.xctest`; on macOS it is a directory tree.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("bloom-sync")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ChainError(.storage, "bloom-sync executable not found near \(testBinary.path); run swift build first")
    }

    @Test func sigkillAtRandomMoments_20Times_losesNoReportedBlock_andTheStoreStaysSound() throws {
        let directory = try TemporaryDirectory("bloom-sync-crash")
        defer { directory.remove() }
        let executable = try Self.executable()
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 600)
        let blockFile = directory.path("blocks.bin")
        try Data(BlockFile.encode(blocks.map { $0.serialized() })).write(to: URL(fileURLWithPath: blockFile))
        let dataDirectory = directory.path("data")
        let storePath = dataDirectory + "/" + LoadBlocksCommand.storeFileName
        // A child killed before it made the directory must not make the reopen below fail.
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)

        var reported = Set<String>()
        var generator = SplitMix64.printingSeed()
        var killedMidWrite = 0
        for _ in 0..<20 {
            // Given a child importing the chain (resuming where the last one died).
            let process = Process()
            process.executableURL = executable
            process.arguments = ["--load-blocks", blockFile, "--data-dir", dataDirectory, "--batch", "3"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let output = Output.collecting(pipe.fileHandleForReading)

            // When it is killed after a random number of commits plus a random fraction of a batch.
            let afterLines = Int.random(in: 0...60, using: &generator)
            var waiting = HangDeadline(budget: .seconds(60))
            while output.count < afterLines && process.isRunning && !waiting.expired() { usleep(200) }
            usleep(UInt32.random(in: 0...4_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedMidWrite += 1
            }
            process.waitUntilExit()
            #expect(output.waitForEnd(), "the child's output never ended")
            reported.formUnion(output.all)

            // Then every reported block is on the main chain of a sound store.
            let store = try SQLiteChainStore(path: storePath)
            #expect(try store.integrityCheck().isEmpty)
            let engine = try ChainEngine(store: store, genesis: SyncFixture.genesis)
            for line in reported {
                let hash = try #require(Hash256(hex: line), "child printed \(line)")
                let entry = try #require(try engine.entry(hash), "reported block \(line) lost")
                #expect(try engine.hash(atHeight: entry.height) == hash)
            }
            #expect(Int(engine.tip.height) >= reported.count)
            try store.close()
        }
        #expect(killedMidWrite > 0)

        // Finally a run to the end: the import resumes and completes.
        let finish = Process()
        finish.executableURL = executable
        finish.arguments = ["--load-blocks", blockFile, "--data-dir", dataDirectory]
        finish.standardOutput = FileHandle.nullDevice
        finish.standardError = FileHandle.nullDevice
        try finish.run()
        finish.waitUntilExit()
        #expect(finish.terminationStatus == 0)
        let store = try SQLiteChainStore(path: storePath)
        #expect(try store.integrityCheck().isEmpty)
        let engine = try ChainEngine(store: store, genesis: SyncFixture.genesis)
        #expect(engine.tip == BloomChain.ChainTip(hash: blocks[blocks.count - 1].hash, height: UInt32(blocks.count)))
        #expect(try engine.chainInfo().utxoCount == UInt64(blocks.count))
        try store.close()
    }

    @Test func sigterm_whileRunningAsAService_closesTheStoreAndExitsZero() throws {
        let directory = try TemporaryDirectory("bloom-sync-term")
        defer { directory.remove() }
        let dataDirectory = directory.path("data")
        // Given a chain of 5 blocks in the data directory, and bloom-sync running on it as a service.
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 5)
        let blockFile = directory.path("blocks.bin")
        try Data(BlockFile.encode(blocks.map { $0.serialized() })).write(to: URL(fileURLWithPath: blockFile))
        let load = Process()
        load.executableURL = try Self.executable()
        load.arguments = ["--load-blocks", blockFile, "--data-dir", dataDirectory]
        load.standardOutput = FileHandle.nullDevice
        load.standardError = FileHandle.nullDevice
        try load.run()
        load.waitUntilExit()
        #expect(load.terminationStatus == 0)

        let service = Process()
        service.executableURL = try Self.executable()
        service.arguments = ["--data-dir", dataDirectory]
        let pipe = Pipe()
        service.standardError = pipe
        service.standardOutput = pipe
        try service.run()
        let output = Output.collecting(pipe.fileHandleForReading)
        // Bounded, so that a service that never opens its chain fails the test instead of hanging it.
        var opening = HangDeadline(budget: .seconds(60))
        while !output.all.contains(where: { $0.contains("chain open") }) && service.isRunning && !opening.expired() {
            usleep(2_000)
        }
        #expect(output.all.contains { $0.contains("chain open") }, "bloom-sync never reported its chain open")

        // When it gets SIGTERM.
        kill(service.processIdentifier, SIGTERM)
        service.waitUntilExit()
        #expect(output.waitForEnd(), "the service's output never ended")

        // Then it closed the chain and exited 0, and the store opens clean at the same tip.
        #expect(service.terminationReason == .exit && service.terminationStatus == 0)
        #expect(output.all.contains { $0.contains("chain closed") })
        let store = try SQLiteChainStore(path: dataDirectory + "/" + LoadBlocksCommand.storeFileName)
        #expect(try store.integrityCheck().isEmpty)
        #expect(try store.chainState()?.tip == BloomChain.ChainTip(hash: blocks[4].hash, height: 5))
        try store.close()
    }
}
