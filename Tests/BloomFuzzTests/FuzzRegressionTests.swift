import BloomTestSupport
import Foundation
import Testing

@testable import BloomFuzz

/// The fuzz targets' checks run in-process, without libFuzzer: every input a fuzzer once crashed on (kept under
/// `FuzzRegressions/<target>/` after the fix), and every seed the fuzzers start from.
@Suite(.dedicatedThread) struct FuzzRegressionTests {
    /// `Tests/BloomFuzzTests/FuzzRegressions`, found from this file's path (the test runs from the checkout).
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("FuzzRegressions").path

    static func directories() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: regressions)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func everyRegressionDirectoryNamesATarget() {
        for directory in Self.directories() {
            #expect(FuzzTargets.named(directory) != nil, "FuzzRegressions/\(directory) is not a fuzz target")
        }
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func keptCrashInputsPass(target name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let folder = Self.regressions + "/" + name
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }
        for file in files.sorted() {
            let data = try #require(FileManager.default.contents(atPath: folder + "/" + file))
            #expect(throws: Never.self, "\(name)/\(file)") { try target.check(Array(data)) }
        }
    }

    @Test func targetNamesAreUnique() {
        let names = FuzzTargets.all.map(\.name)
        #expect(Set(names).count == names.count)
    }

    /// The built-in seeds are well-formed values: each must pass its target's property, and every target gets one.
    @Test func builtInSeedsPassTheirTargets() throws {
        let seeds = SeedCorpus.builtIn()
        for target in FuzzTargets.all where target.name != "service-definition" {
            let inputs = seeds[target.name] ?? []
            #expect(!inputs.isEmpty, "no built-in seed for \(target.name)")
            for input in inputs {
                #expect(throws: Never.self, "\(target.name) seed of \(input.count) bytes") { try target.check(input) }
            }
        }
        for name in seeds.keys {
            #expect(FuzzTargets.named(name) != nil, "seeds for unknown target \(name)")
        }
    }

    /// The reference's byte strings (good and malformed) pass every property: a decoder may reject them, never
    /// break its property on them.
    @Test func vectorSeedsPassTheirTargets() throws {
        let vectors = ProcessInfo.processInfo.environment["BLOOM_VECTORS"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/vectors")
            .standardizedFileURL.path
        try #require(FileManager.default.fileExists(atPath: vectors + "/messages.json"), "no vectors at \(vectors)")
        let seeds = SeedCorpus.fromVectors(vectors)
        #expect(seeds["block"]?.isEmpty == false && seeds["frame"]?.isEmpty == false && seeds["tx"]?.isEmpty == false)
        for (name, inputs) in seeds {
            let target = try #require(FuzzTargets.named(name), "vectors routed to unknown target \(name)")
            for input in inputs {
                #expect(throws: Never.self, "\(name) vector of \(input.count) bytes") { try target.check(input) }
            }
        }
    }
}
