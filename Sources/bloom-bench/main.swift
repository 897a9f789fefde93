import Foundation

// bloom-bench [--quick] [--filter NAME]: runs the benchmarks of every area and prints one line per figure.
var quick = false
var filter: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--quick": quick = true
    case "--filter":
        guard let value = arguments.next() else {
            FileHandle.standardError.write(Data("bloom-bench: --filter needs a name\n".utf8))
            exit(2)
        }
        filter = value
    case "-h", "--help":
        print("usage: bloom-bench [--quick] [--filter NAME]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("bloom-bench: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}

let all: [Benchmark] =
    coreBenchmarks + kuramotoBenchmarks + wireBenchmarks + chainBenchmarks + busBenchmarks + supervisorBenchmarks
    + gossipBenchmarks + netBenchmarks + syncBenchmarks + fullStackBenchmarks + httpBenchmarks
var failed = false
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
exit(failed ? 1 : 0)
