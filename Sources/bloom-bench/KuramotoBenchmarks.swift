let kuramotoBenchmarks: [Benchmark] = []
