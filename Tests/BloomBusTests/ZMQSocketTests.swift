import BloomBus
import BloomTestSupport
import Foundation
import Testing

@Suite("ZeroMQ sockets", .dedicatedThread)
struct ZMQSocketTests {
    @Test("bind to a directory that does not exist reports the endpoint and libzmq's text")
    func bind_whenDirectoryMissing_throwsErrorWithStrerror() throws {
        let context = try ZMQContext.make()
        let socket = try context.makeSocket(.pub)
        let endpoint = "ipc:///nonexistent-dir-\(UUID().uuidString)/x"
        let error = try #require(throws: ZMQError.self) { try socket.bind(endpoint) }
        #expect(error.endpoint == endpoint)
        #expect(error.operation == "bind")
        #expect(error.code == .noEntry)
        #expect(error.message == String(cString: strerror(ENOENT)))
        #expect(error.description.contains(endpoint))
    }

    @Test("an ipc path longer than sun_path is refused with ENAMETOOLONG")
    func bind_whenIPCPathTooLong_throwsNameTooLong() throws {
        let directory = try TemporaryDirectory()
        let context = try ZMQContext.make()
        let socket = try context.makeSocket(.pub)
        let endpoint = "ipc://" + directory.appending(String(repeating: "x", count: 120))
        let error = try #require(throws: ZMQError.self) { try socket.bind(endpoint) }
        #expect(error.code == .nameTooLong)
        #expect(!error.message.isEmpty)
    }

    @Test("a garbage scheme is refused as an unsupported protocol")
    func connect_whenSchemeUnknown_throwsProtocolNotSupported() throws {
        let context = try ZMQContext.make()
        let socket = try context.makeSocket(.sub)
        let error = try #require(throws: ZMQError.self) { try socket.connect("bogus://somewhere") }
        #expect(error.code == .protocolNotSupported)
        #expect(error.message == ZMQError.Code.protocolNotSupported.description)
        #expect(error.endpoint == "bogus://somewhere")
    }

    @Test("options read back what was set, linger is 0 by default")
    func options_roundTrip() throws {
        let context = try ZMQContext.make()
        let socket = try context.makeSocket(.dealer)
        #expect(try socket.option(.linger) == 0)
        try socket.setOption(.sendHighWaterMark, 7)
        try socket.setOption(.receiveHighWaterMark, 9)
        try socket.setOption(.maxMessageSize, 1 << 20)
        #expect(try socket.option(.sendHighWaterMark) == 7)
        #expect(try socket.option(.receiveHighWaterMark) == 9)
        #expect(try socket.option(.maxMessageSize) == 1 << 20)
    }

    @Test("PUSH/PULL over ipc keeps multipart frames intact, empty frames included")
    func pushPull_multipartIntegrity() throws {
        let directory = try TemporaryDirectory()
        let context = try ZMQContext.make()
        let pull = try context.makeSocket(.pull)
        let push = try context.makeSocket(.push)
        let endpoint = "ipc://" + directory.appending("pp")
        try pull.bind(endpoint)
        try push.connect(endpoint)
        try pull.setOption(.receiveTimeout, 10_000)
        let messages: [[[UInt8]]] = [[[]], [[1], [], [2, 3]], [Array(repeating: 7, count: 65_536), [9]]]
        for message in messages { try push.send(message) }
        for message in messages {
            #expect(try pull.receive() == message)
        }
        #expect(try pull.receive(nonBlocking: true) == nil)
    }
}
