let busBenchmarks: [Benchmark] = []
