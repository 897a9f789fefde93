import Foundation

/// One measured figure, printed as `name<TAB>value<TAB>unit`.
struct Figure {
    var name: String
    var value: Double
    var unit: String
}

/// A benchmark produces one or more figures. `names` lists them so `--filter` can select without running.
struct Benchmark: Sendable {
    var names: [String]
    var run: @Sendable (_ quick: Bool) throws -> [Figure]
}

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// `BLOOM_BENCH_ITERATIONS=N`: every `measureRate` runs its body exactly N times after the warm-up instead of for
/// a time, so that `valgrind --tool=callgrind --toggle-collect='*measureRate*'` counts the same work on every run
/// (instruction counts are stable on a shared machine, timings are not). Unset: timed runs.
let fixedIterations: Int? = ProcessInfo.processInfo.environment["BLOOM_BENCH_ITERATIONS"].flatMap { Int($0) }
    .flatMap { $0 > 0 ? $0 : nil }

/// Runs `body` repeatedly for about `seconds` and returns operations per second; `body` returns how many
/// operations it did. Keeps the optimiser from discarding work through `blackHole`. With `fixedIterations` set the
/// body runs that many times whatever the time.
func measureRate(seconds: Double, _ body: () throws -> Int) rethrows -> Double {
    _ = try body()  // warm-up
    var ops = 0
    let start = now()
    var elapsed = 0.0
    if let fixedIterations {
        for _ in 0..<fixedIterations { ops += try body() }
        return Double(ops) / max(now() - start, 1e-9)
    }
    repeat {
        ops += try body()
        elapsed = now() - start
    } while elapsed < seconds
    return Double(ops) / elapsed
}

@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Percentile (0...100) of unsorted samples, nearest-rank.
func percentile(_ samples: [Double], _ p: Double) -> Double {
    guard !samples.isEmpty else { return .nan }
    let sorted = samples.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[max(0, min(sorted.count - 1, rank))]
}
