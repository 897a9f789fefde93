import BloomBus
import BloomTestSupport
import Foundation
import Testing

@Suite("Bus endpoints", .dedicatedThread)
struct BusEndpointsTests {
    @Test("prepare creates <data-dir>/run with mode 0700 and ipc endpoints inside it")
    func prepare_createsPrivateRunDirectory() throws {
        let directory = try TemporaryDirectory()
        let dataDirectory = directory.appending("node")
        let endpoints = try BusEndpoints.prepare(dataDirectory: dataDirectory)
        #expect(endpoints.publish == "ipc://\(dataDirectory)/run/bus.pub")
        #expect(endpoints.subscribe == "ipc://\(dataDirectory)/run/bus.sub")
        #expect(endpoints.control == "ipc://\(dataDirectory)/run/control")
        var info = stat()
        #expect(stat(dataDirectory + "/run", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test("an existing run directory with loose permissions is made private")
    func prepare_tightensExistingRunDirectory() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: directory.appending("run"),
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755]
        )
        _ = try BusEndpoints.prepare(dataDirectory: directory.path)
        var info = stat()
        #expect(stat(directory.appending("run"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test("a data directory too deep for sun_path is refused with the byte count and the limit")
    func defaults_whenPathTooLong_throwsClearError() throws {
        let deep = "/tmp/" + String(repeating: "d", count: 100)
        let error = #expect(throws: BusEndpointError.self) { try BusEndpoints.defaults(dataDirectory: deep) }
        guard case .ipcPathTooLong(let endpoint, let bytes, let limit) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(endpoint.hasSuffix("/run/bus.pub"))
        #expect(bytes > limit)
        #expect(limit == 107)
        #expect(error?.description.contains("107") == true)
    }

    @Test("a path of exactly 107 bytes fits, 108 does not")
    func validate_boundary() throws {
        let fits = "/" + String(repeating: "p", count: 106)
        try BusEndpoints.validate("ipc://" + fits)
        #expect(throws: BusEndpointError.self) { try BusEndpoints.validate("ipc://" + fits + "p") }
    }

    @Test("tcp and inproc endpoints are accepted as configuration; garbage schemes and malformed tcp are not")
    func validate_schemes() throws {
        try BusEndpoints.validate("tcp://127.0.0.1:5555")
        try BusEndpoints.validate("tcp://*:5555")
        try BusEndpoints.validate("inproc://bus")
        #expect(throws: BusEndpointError.unsupportedScheme(endpoint: "http://x")) {
            try BusEndpoints.validate("http://x")
        }
        #expect(throws: BusEndpointError.self) { try BusEndpoints.validate("tcp://nohost") }
        #expect(throws: BusEndpointError.self) { try BusEndpoints.validate("ipc://") }
        _ = try BusEndpoints(
            publish: "tcp://10.0.0.1:7001",
            subscribe: "tcp://10.0.0.1:7002",
            control: "tcp://10.0.0.1:7003"
        )
    }

    @Test("a forwarder bound in a directory that does not exist reports the endpoint and zmq_strerror text")
    func forwarder_whenDirectoryMissing_throwsZMQError() throws {
        let endpoints = try BusEndpoints(
            publish: "ipc:///nonexistent-dir-\(UUID().uuidString.prefix(8))/bus.pub",
            subscribe: "ipc:///nonexistent-dir-\(UUID().uuidString.prefix(8))/bus.sub",
            control: "ipc:///nonexistent-dir/control"
        )
        let error = #expect(throws: ZMQError.self) { try BusForwarder(endpoints: endpoints) }
        #expect(error?.endpoint == endpoints.publish)
        #expect(error?.message == String(cString: strerror(ENOENT)))
    }

    @Test("a forwarder cannot bind endpoints another forwarder holds over tcp")
    func forwarder_whenAddressInUse_throwsAddressInUse() throws {
        let context = try ZMQContext.make()
        let probe = try context.makeSocket(.pub)
        try probe.bind("tcp://127.0.0.1:*")
        let taken = try probe.lastEndpoint
        let endpoints = try BusEndpoints(publish: taken, subscribe: "tcp://127.0.0.1:0", control: "inproc://c")
        let error = #expect(throws: ZMQError.self) { try BusForwarder(endpoints: endpoints) }
        #expect(error?.code == .addressInUse)
        #expect(error?.endpoint == taken)
    }
}
