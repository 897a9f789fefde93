let wireBenchmarks: [Benchmark] = []
