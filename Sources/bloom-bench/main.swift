import Foundation

// bloom-bench [--quick] [--loaded] [--filter NAME]: runs the benchmarks of every area and prints one line per figure.
// `--loaded` keeps one core busy with another process for the whole run (see LoadGenerator).
var quick = false
var loaded = false
var filter: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--quick": quick = true
    case "--loaded": loaded = true
    case "--filter":
        guard let value = arguments.next() else {
            FileHandle.standardError.write(Data("bloom-bench: --filter needs a name\n".utf8))
            exit(2)
        }
        filter = value
    case "-h", "--help":
        print("usage: bloom-bench [--quick] [--loaded] [--filter NAME]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("bloom-bench: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}

let all: [Benchmark] =
    coreBenchmarks + kuramotoBenchmarks + wireBenchmarks + chainBenchmarks + busBenchmarks + supervisorBenchmarks
    + gossipBenchmarks + netBenchmarks + syncBenchmarks + fullStackBenchmarks + httpBenchmarks + idleBenchmarks
var failed = false
let spinner: Process?
do {
    spinner = loaded ? try LoadGenerator.start() : nil
} catch {
    FileHandle.standardError.write(Data("bloom-bench: cannot start the load for --loaded: \(error)\n".utf8))
    exit(1)
}
for benchmark in all where filter.map({ f in benchmark.names.contains { $0.contains(f) } }) ?? true {
    do {
        for figure in try benchmark.run(quick) {
            let value = figure.value >= 100 ? String(format: "%.0f", figure.value) : String(format: "%.3f", figure.value)
            print("\(figure.name)\t\(value)\t\(figure.unit)")
        }
    } catch {
        failed = true
        FileHandle.standardError.write(Data("bloom-bench: \(benchmark.names.joined(separator: ",")) failed: \(error)\n".utf8))
    }
}
LoadGenerator.stop(spinner)
exit(failed ? 1 : 0)
