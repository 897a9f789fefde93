import BloomCLI
import BloomHTTP
import BloomServiceKit
import BloomSupervisor
import BloomTestSupport
import Foundation
import Logging
import Testing

/// The HTTP server over a real socket on an ephemeral loopback port, with a board filled by hand and no node
/// behind the control endpoint (so every `/api/…` question is answered 503).
@Suite(.dedicatedThread)
struct HTTPServerTests {
    final class Fixture {
        let board = MetricsBoard()
        let history = CoherenceHistory(capacity: 100)
        let hub = EventHub()
        let server: HTTPServer
        let directory: String

        init() throws {
            directory = NSTemporaryDirectory() + "bloom-http-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let configuration = try NodeConfiguration.load(
                arguments: ["--data-dir", directory, "--http", "127.0.0.1:0"],
                environment: [:]
            )
            let router = HTTPRouter(
                board: board,
                history: history,
                client: ControlClient(configuration: configuration, timeout: 1)
            )
            server = try HTTPServer(host: "127.0.0.1", port: 0, router: router, hub: hub)
        }

        func get(_ path: String, method: String = "GET") throws -> HTTPGet.Response {
            try HTTPGet.get(path, host: "127.0.0.1", port: server.boundPort, method: method)
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static let netSnapshot = """
        # TYPE bloom_peers gauge
        bloom_peers{direction="inbound"} 2
        bloom_peers{direction="outbound"} 1
        # TYPE process_open_fds gauge
        process_open_fds 12

        """

    @Test func metrics_servesEveryReplicaWithServiceAndReplicaLabels() throws {
        let fixture = try Fixture()
        fixture.board.update(replicas: [
            .init(service: "bloom-net", replica: 0, up: true, restarts: 2, bootID: 7),
            .init(service: "bloom-net", replica: 1, up: true, restarts: 1, bootID: 9),
            .init(service: "bloom-sync", replica: 0, up: false, restarts: 0, bootID: nil),
        ])
        fixture.board.store(service: "bloom-net", replica: 0, bootID: 7, text: Array(Self.netSnapshot.utf8))
        fixture.board.store(service: "bloom-net", replica: 1, bootID: 9, text: Array(Self.netSnapshot.utf8))
        // From a process that is not the replica's current one: dropped.
        fixture.board.store(service: "bloom-sync", replica: 0, bootID: 3, text: Array("bloom_chain_height 5\n".utf8))
        let response = try fixture.get("/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == PrometheusText.contentType)
        let families = try PrometheusText.parse(response.body)
        let byName = Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for family in families {
            #expect(!family.help.isEmpty, "\(family.name) has no HELP")
            #expect(response.body.contains("# TYPE \(family.name) \(family.type)\n"))
        }
        let up = try #require(byName["bloom_service_up"])
        #expect(up.samples.map { [$0.label("service"), $0.label("replica")] } == [
            ["bloom-net", "0"], ["bloom-net", "1"], ["bloom-sync", "0"],
        ])
        #expect(up.samples.map(\.value) == [1, 1, 0])
        let restarts = try #require(byName["bloom_service_restarts_total"])
        #expect(restarts.samples.first { $0.label("service") == "bloom-net" }?.value == 3)
        let peers = try #require(byName["bloom_peers"])
        #expect(peers.samples.count == 4)
        #expect(Set(peers.samples.map { $0.label("replica") }) == ["0", "1"])
        #expect(peers.samples.allSatisfy { $0.label("service") == "bloom-net" && $0.label("direction") != nil })
        #expect(byName["bloom_chain_height"] == nil, "a stale process's snapshot was served")
        let fds = try #require(byName["process_open_fds"])
        #expect(Set(fds.samples.compactMap { $0.label("service") }) == ["bloom-supervisor", "bloom-net"])
        #expect(byName["process_resident_memory_bytes"]?.samples.first?.label("service") == "bloom-supervisor")
    }

    @Test func metrics_leavesOutASnapshotThatDoesNotParse_andCountsIt() throws {
        let fixture = try Fixture()
        fixture.board.update(replicas: [.init(service: "bloom-gossip", replica: 0, up: true, restarts: 0, bootID: 1)])
        fixture.board.store(service: "bloom-gossip", replica: 0, bootID: 1, text: Array("not { metrics".utf8))
        let families = try PrometheusText.parse(try fixture.get("/metrics").body)
        #expect(families.first { $0.name == "bloom_metrics_snapshot_errors" }?.samples.first?.value == 1)
    }

    @Test func badRequests_get4xx_andTheServerKeepsServing() throws {
        let fixture = try Fixture()
        #expect(try fixture.get("/nope").status == 404)
        #expect(try fixture.get("/metrics", method: "POST").status == 405)
        #expect(try fixture.get("/metrics", method: "DELETE").status == 405)
        #expect(try fixture.get("/api/coherence/history?seconds=abc").status == 400)
        #expect(try fixture.get("/api/coherence/history?seconds=0").status == 400)
        #expect(try fixture.get("/api/coherence/history?seconds=%zz").status == 400)
        let garbage = try HTTPGet.raw("\u{1}\u{2} nonsense\r\n\r\n", host: "127.0.0.1", port: fixture.server.boundPort)
        #expect((400..<500).contains(garbage.status))
        #expect(try fixture.get("/metrics").status == 200)
    }

    @Test func api_withoutANode_answers503WithTheReason() throws {
        let fixture = try Fixture()
        let response = try fixture.get("/api/chain")
        #expect(response.status == 503)
        let body = try JSONValue.decode(Array(response.body.utf8))
        #expect(body["error"]?.stringValue?.isEmpty == false)
    }

    @Test func history_servesTheRecordedSamplesOfTheWindow() throws {
        let fixture = try Fixture()
        let now = Date().timeIntervalSince1970
        let coherence = JSONValue.object([
            "local": .object(["r": .number(0.5), "psi": .number(0)]),
            "network": .object(["r": .number(0.75), "psi": .number(0)]),
            "peers": .array([.object(["id": .string("00000000000000aa"), "r": .number(0.25)])]),
        ])
        fixture.history.record(coherence: coherence, at: now - 100)
        fixture.history.record(coherence: coherence, at: now - 1)
        let response = try fixture.get("/api/coherence/history?seconds=10")
        #expect(response.status == 200)
        let body = try JSONValue.decode(Array(response.body.utf8))
        let samples = try #require(body["samples"]?.arrayValue)
        #expect(samples.count == 1)
        #expect(samples.first?["local"]?.numberValue == 0.5)
        #expect(samples.first?["network"]?.numberValue == 0.75)
        #expect(samples.first?["peers"]?["00000000000000aa"]?.numberValue == 0.25)
        #expect(abs((body["z_c"]?.numberValue ?? 0) - 3.0.squareRoot() / 2) < 1e-12)
    }

    @Test func history_isBoundedByItsCapacity() {
        let history = CoherenceHistory(capacity: 10)
        let coherence = JSONValue.object([
            "local": .object(["r": .number(0.5)]), "network": .object(["r": .number(0.5)]),
        ])
        for second in 0..<25 { history.record(coherence: coherence, at: Double(second)) }
        #expect(history.count == 10)
        let samples = history.json(seconds: 1000, now: 30)["samples"]?.arrayValue ?? []
        #expect(samples.compactMap { $0["t"]?.numberValue } == (15..<25).map(Double.init))
    }

    @Test func events_streamCarriesBroadcasts() throws {
        let fixture = try Fixture()
        let port = fixture.server.boundPort
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        // The stream blocks its reader: a thread of its own, not the cooperative pool.
        Thread {
            let read = Result { try HTTPGet.stream("/events", host: "127.0.0.1", port: port, until: "data: {\"x\":1}") }
            result.set(read)
            done.signal()
        }.start()
        #expect(try pollUntil(seconds: 30) { fixture.hub.count == 1 }, "the stream never opened")
        fixture.hub.broadcast(event: "coherence", data: "{\"x\":1}")
        done.wait()
        let text = try #require(try result.get()?.get())
        #expect(text.contains("text/event-stream"))
        #expect(text.contains("event: coherence\ndata: {\"x\":1}\n\n"))
    }

    @Test func dashboard_pageAndScriptAreServed() throws {
        let fixture = try Fixture()
        let page = try fixture.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.body.contains("<canvas id=\"chart\""))
        #expect(page.body.contains("src=\"/dashboard.js\""))
        let script = try fixture.get("/dashboard.js")
        #expect(script.status == 200)
        #expect(script.body.contains("new EventSource(\"/events\")"))
        #expect(try fixture.get("/", method: "HEAD").status == 200)
    }
}

/// A value handed from a reader thread to the test.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<String, any Error>?

    func set(_ value: Result<String, any Error>) { lock.withLock { self.value = value } }
    func get() -> Result<String, any Error>? { lock.withLock { value } }
}
