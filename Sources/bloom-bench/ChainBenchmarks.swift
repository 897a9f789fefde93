let chainBenchmarks: [Benchmark] = []
