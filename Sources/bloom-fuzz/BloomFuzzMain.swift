import BloomFuzz
import Foundation

#if BLOOM_FUZZ
import CBloomFuzz
#endif

/// The fuzz driver. In the libFuzzer build (`Scripts/fuzz`, compiled with `-sanitize=fuzzer,address
/// -DBLOOM_FUZZ`), `BLOOM_FUZZ_TARGET=name bloom-fuzz [libFuzzer flags] [corpus…]` fuzzes one target; the target
/// comes from the environment so that libFuzzer's own re-executions (crash minimisation, `-fork`) keep it.
/// In every build:
///   bloom-fuzz --list                                   the targets, one per line: name, tab, property
///   bloom-fuzz max-len TARGET                           the target's -max_len for libFuzzer, or nothing
///   bloom-fuzz seeds DIR [--vectors DIR] [--services DIR] writes the seed corpora (DIR/<target>/…)
///   bloom-fuzz replay TARGET FILE…                      runs files through a target without libFuzzer
@main
enum BloomFuzzMain {
    static func main() {
        #if BLOOM_FUZZ
        if let name = ProcessInfo.processInfo.environment["BLOOM_FUZZ_TARGET"] {
            runLibFuzzer(name)
        }
        #endif
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "--list":
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        case "max-len":
            guard arguments.count == 2 else { fail("usage: bloom-fuzz max-len TARGET") }
            if let length = target(arguments[1]).maximumInputLength { print(length) }
        case "seeds":
            writeSeeds(Array(arguments.dropFirst()))
        case "replay":
            replay(Array(arguments.dropFirst()))
        default:
            fail(
                "usage: bloom-fuzz --list | max-len TARGET | seeds DIR [--vectors DIR] [--services DIR]"
                    + " | replay TARGET FILE…\n"
                    + "       BLOOM_FUZZ_TARGET=NAME bloom-fuzz [libFuzzer flags] (libFuzzer build only: Scripts/fuzz)"
            )
        }
    }

    static func target(_ name: String) -> FuzzTarget {
        guard let target = FuzzTargets.named(name) else {
            fail("bloom-fuzz: no target '\(name)' (see --list)")
        }
        return target
    }

    static func writeSeeds(_ arguments: [String]) {
        guard let directory = arguments.first else { fail("bloom-fuzz seeds: needs an output directory") }
        var vectors: String?
        var services: String?
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { fail("bloom-fuzz seeds: \(flag) needs a value") }
            switch flag {
            case "--vectors": vectors = value
            case "--services": services = value
            default: fail("bloom-fuzz seeds: unknown option \(flag)")
            }
        }
        do {
            let count = try SeedCorpus.write(SeedCorpus.all(vectors: vectors, services: services), to: directory)
            print("bloom-fuzz: \(count) seed inputs in \(directory)")
        } catch {
            fail("bloom-fuzz seeds: \(error)")
        }
    }

    static func replay(_ arguments: [String]) {
        guard let name = arguments.first else { fail("bloom-fuzz replay: needs a target and files") }
        let target = target(name)
        var violations = 0
        for file in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else { fail("bloom-fuzz: cannot read \(file)") }
            do {
                try target.check(Array(data))
                print("ok\t\(file)")
            } catch {
                print("VIOLATION\t\(file)\t\(error)")
                violations += 1
            }
        }
        exit(violations == 0 ? 0 : 1)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }

    #if BLOOM_FUZZ
    /// The target libFuzzer's callback runs (set once, before the driver starts, and only read after).
    nonisolated(unsafe) static var selected: FuzzTarget?

    static func runLibFuzzer(_ name: String) -> Never {
        selected = target(name)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            let input = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
            do {
                try BloomFuzzMain.selected?.check(input)
            } catch {
                // A property violation is a finding like a trap: abort so libFuzzer saves and minimises the input.
                FileHandle.standardError.write(Data("bloom-fuzz: property violated: \(error)\n".utf8))
                abort()
            }
            return 0
        }
        exit(status)
    }
    #endif
}
