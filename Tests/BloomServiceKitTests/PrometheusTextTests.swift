import BloomServiceKit
import Foundation
import Prometheus
import Testing

struct PrometheusTextTests {
    static let sample = """
        # HELP bloom_peers Connected peers by direction.
        # TYPE bloom_peers gauge
        bloom_peers{direction="inbound"} 3
        bloom_peers{direction="outbound"} 8
        # A comment line is skipped.
        # TYPE bloom_block_validation_seconds histogram
        bloom_block_validation_seconds_bucket{le="0.001"} 2
        bloom_block_validation_seconds_bucket{le="+Inf"} 5
        bloom_block_validation_seconds_sum 0.0125
        bloom_block_validation_seconds_count 5
        odd_label{path="a\\"b\\\\c\\nd"} NaN 1700000000000
        bloom_chain_height 42

        """

    @Test func parse_readsFamiliesLabelsAndHistograms() throws {
        let families = try PrometheusText.parse(Self.sample)
        #expect(families.map(\.name) == ["bloom_peers", "bloom_block_validation_seconds", "odd_label", "bloom_chain_height"])
        #expect(families[0].type == "gauge")
        #expect(families[0].help == "Connected peers by direction.")
        #expect(families[0].samples.map { $0.label("direction") } == ["inbound", "outbound"])
        #expect(families[0].samples.map(\.value) == [3, 8])
        #expect(families[1].samples.count == 4)
        #expect(families[1].samples[1].value == 5)
        #expect(families[1].samples[1].label("le") == "+Inf")
        #expect(families[2].type == "untyped")
        #expect(families[2].samples[0].label("path") == "a\"b\\c\nd")
        #expect(families[2].samples[0].value.isNaN)
        #expect(families[3].samples[0].value == 42)
    }

    @Test func render_thenParse_givesTheSameFamilies() throws {
        let families = try PrometheusText.parse(Self.sample)
        var text = ""
        PrometheusText.render(families, into: &text)
        let again = try PrometheusText.parse(text)
        #expect(again.count == families.count)
        for (a, b) in zip(again, families) {
            #expect(a.name == b.name && a.type == b.type && a.help == b.help)
            #expect(a.samples.map(\.labels) == b.samples.map(\.labels))
            #expect(zip(a.samples, b.samples).allSatisfy { $0.value == $1.value || ($0.value.isNaN && $1.value.isNaN) })
        }
        #expect(text.contains("# TYPE bloom_peers gauge\n"))
    }

    @Test(arguments: [
        "9bad 1", "name{l=\"v} 1", "name{l=v} 1", "name 1 2 3", "name abc", "name{l=\"\\q\"} 1",
        "name{l=\"a\",l=\"b\"} 1", "# TYPE name gaugey", "a 1\nb 1\na 2",
    ])
    func parse_rejectsMalformedText(_ text: String) {
        #expect(throws: PrometheusTextError.self) { try PrometheusText.parse(text) }
    }

    @Test func snapshot_ofARegistry_parsesAndHasTheProcessSeries() throws {
        let metrics = NodeMetrics()
        metrics.registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "bloom_blocks_accepted_total")).increment(by: Int64(3))
        metrics.registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "bloom_coherence_r"),
            labels: [("scope", "local")]
        ).set(0.9)
        metrics.addCollector { "# TYPE extra_total counter\nextra_total 7\n" }
        let text = String(decoding: metrics.snapshot(), as: UTF8.self)
        let families = try PrometheusText.parse(text)
        let byName = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["bloom_blocks_accepted_total"]?.samples.first?.value == 3)
        #expect(byName["bloom_coherence_r"]?.samples.first?.label("scope") == "local")
        #expect(byName["extra_total"]?.samples.first?.value == 7)
        for name in ["process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"] {
            let value = try #require(byName[name]?.samples.first?.value, "\(name) missing")
            #expect(value > 0, "\(name) = \(value)")
        }
    }

    @Test func processStats_parsesAStatLineWhoseCommandHasSpacesAndParentheses() throws {
        // Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14)
        // stime(15) cutime cstime priority nice threads itrealvalue starttime vsize(23) rss(24).
        let line = "1234 (bloom (x) y) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 4 0 100 8192000 300 18446744073709551615"
        let stats = try #require(ProcessStats.parse(stat: line, pageSize: 4096, ticksPerSecond: 100))
        #expect(stats.cpuSeconds == 3)
        #expect(stats.virtualBytes == 8_192_000)
        #expect(stats.residentBytes == 300 * 4096)
        #expect(ProcessStats.parse(stat: "garbage", pageSize: 4096, ticksPerSecond: 100) == nil)
    }
}

struct HTTPSettingTests {
    @Test func parses_offAndAddresses() {
        #expect(HTTPSetting("off") == .off)
        #expect(HTTPSetting("127.0.0.1:7680") == .listen(host: "127.0.0.1", port: 7680))
        #expect(HTTPSetting("[::1]:80") == .listen(host: "::1", port: 80))
        #expect(HTTPSetting("0.0.0.0:0") == .listen(host: "0.0.0.0", port: 0))
        for bad in ["", "7680", "host:", ":80", "host:65536", "host:-1", "a b:1", "on"] {
            #expect(HTTPSetting(bad) == nil, "\(bad)")
        }
        #expect(HTTPSetting("127.0.0.1:1")!.isLoopback)
        #expect(HTTPSetting("localhost:1")!.isLoopback)
        #expect(!HTTPSetting("0.0.0.0:1")!.isLoopback)
        #expect(HTTPSetting.off.isLoopback)
    }

    @Test func configuration_readsFlagEnvironmentAndDefault() throws {
        let home = NSTemporaryDirectory() + "bloom-http-\(getpid())"
        let base = ["--data-dir", home]
        #expect(try NodeConfiguration.load(arguments: base, environment: [:]).http == .listen(host: "127.0.0.1", port: 7680))
        #expect(try NodeConfiguration.load(arguments: base + ["--http", "off"], environment: [:]).http == .off)
        #expect(
            try NodeConfiguration.load(arguments: base, environment: ["BLOOM_HTTP": "127.0.0.2:9"]).http
                == .listen(host: "127.0.0.2", port: 9)
        )
        #expect(throws: ConfigurationError.self) {
            try NodeConfiguration.load(arguments: base + ["--http", "nowhere"], environment: [:])
        }
    }
}
