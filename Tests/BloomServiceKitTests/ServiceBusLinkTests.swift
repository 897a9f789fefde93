import BloomBus
import BloomCore
import BloomTestSupport
import Foundation
import Logging
import Testing

@testable import BloomServiceKit

/// The link against a real forwarder on ipc endpoints in a temporary directory, the supervisor's side played by
/// the test's own sockets.
@Suite(.serialized, .dedicatedThread) struct ServiceBusLinkTests {
    private func withBus(_ body: (NodeConfiguration, ZMQSocket, ZMQSocket) throws -> Void) throws {
        let directory = "/tmp/bkl-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: directory + "/run", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try NodeConfiguration.load(arguments: ["--data-dir", directory], environment: [:])
        let forwarder = try BusForwarder(
            endpoints: BusEndpoints(
                publish: configuration.busPub,
                subscribe: configuration.busSub,
                control: configuration.control
            )
        )
        defer { forwarder.stopAndWait() }
        let subscriber = try NodeBus.socket(.sub)
        try subscriber.connect(configuration.busSub)
        try subscriber.subscribe(Topic.serviceHeartbeat.frame)
        try subscriber.subscribe(Topic.serviceReply.frame)
        let publisher = try NodeBus.socket(.pub)
        try publisher.connect(configuration.busPub)
        try body(configuration, subscriber, publisher)
    }

    private func next(_ socket: ZMQSocket, seconds: Double = 10) throws -> ServiceWire.Incoming? {
        var message: ServiceWire.Incoming?
        try pollUntil(seconds: seconds, every: 0) {
            guard try NodeBus.wait([.socket(socket)], timeoutMs: 100)[0],
                let frames = try socket.receive(nonBlocking: true)
            else { return false }
            message = ServiceWire.decode(frames)
            return message != nil
        }
        return message
    }

    @Test func link_sendsHeartbeatsWithItsIdentityAndAnnouncesStateChanges() throws {
        try withBus { configuration, subscriber, _ in
            let link = try ServiceBusLink(
                service: "bloom-sync",
                replica: 0,
                configuration: configuration,
                logger: Logger(label: "test")
            )
            defer { link.stop() }
            link.setTip(ChainTip(height: 7, hash: .zero, parentHash: .zero, certificateHash: .zero))
            link.setState(.ready)
            var sawReady = false
            for _ in 0..<40 {
                guard case .heartbeat(let beat) = try next(subscriber) else { continue }
                #expect(beat.service == "bloom-sync" && beat.replica == 0 && beat.pid == UInt32(getpid()))
                #expect(beat.bootID == link.bootID)
                if beat.state == .ready {
                    #expect(beat.tip?.height == 7)
                    sawReady = true
                    break
                }
            }
            #expect(sawReady)
        }
    }

    @Test func link_answersQueriesWithItsHandlerAndSaysWhenItHasNone() throws {
        try withBus { configuration, subscriber, publisher in
            let link = try ServiceBusLink(
                service: "bloom-net",
                replica: 1,
                configuration: configuration,
                logger: Logger(label: "test")
            )
            defer { link.stop() }
            let sender = SenderID.newBoot(service: .supervisor)
            func ask(_ id: UInt64, _ cmd: String) throws -> ReplyMessage? {
                var sent = Date.distantPast
                var reply: ReplyMessage?
                try pollUntil(seconds: 10, every: 0) {
                    // Re-ask until the link's subscription has reached the forwarder (slow joiner).
                    if Date().timeIntervalSince(sent) > 0.2 {
                        let frames = try #require(
                            ServiceWire.frames(
                                QueryMessage(id: id, cmd: cmd, args: .null),
                                to: "bloom-net",
                                sender: sender,
                                sequence: id
                            )
                        )
                        try publisher.send(frames)
                        sent = Date()
                    }
                    if case .reply(let answer) = try next(subscriber, seconds: 0.2), answer.id == id { reply = answer }
                    return reply != nil
                }
                return reply
            }
            let unanswered = try #require(try ask(1, "peers"))
            #expect(unanswered.ok == false && unanswered.error?.contains("does not answer 'peers'") == true)
            link.onQuery { query in
                query.cmd == "peers"
                    ? .success(.object(["peers": .array([])])) : .failure(QueryFailure("no \(query.cmd)"))
            }
            let answered = try #require(try ask(2, "peers"))
            #expect(answered.ok && answered.replica == 1 && answered.result?["peers"] == .array([]))
            let refused = try #require(try ask(3, "mine"))
            #expect(!refused.ok && refused.error == "no mine")
        }
    }
}
