import BloomBus
import BloomTestSupport
import Foundation
import Testing

@Suite("Message loop")
struct MessageLoopTests {
    @Test("ROUTER and DEALER loops exchange a request and its answer")
    func routerDealer_requestAnswer() async throws {
        let directory = try TemporaryDirectory()
        let endpoint = "ipc://" + directory.appending("control")
        let context = try ZMQContext.make()
        let router = try context.makeSocket(.router)
        try router.bind(endpoint)
        let dealer = try context.makeSocket(.dealer)
        try dealer.connect(endpoint)
        let server = try MessageLoop(sockets: [router], name: "test.router")
        let client = try MessageLoop(sockets: [dealer], name: "test.dealer")

        let answer = try await withHangGuard {
            #expect(client.send([Array("ping".utf8)], on: 0))
            var requests = server.received.makeAsyncIterator()
            let request = try #require(await requests.next())
            #expect(request.frames.count == 2)
            #expect(request.frames.last == Array("ping".utf8))
            server.send([request.frames[0], Array("pong".utf8)], on: 0)
            var answers = client.received.makeAsyncIterator()
            return try #require(await answers.next())
        }
        #expect(answer.frames == [Array("pong".utf8)])
        server.stop()
        client.stop()
        await server.stopped()
        await client.stopped()
    }

    @Test("stopping a loop with queued sends and unread messages ends without hanging")
    func stop_withPendingMessages_doesNotHang() async throws {
        let directory = try TemporaryDirectory()
        let endpoint = "ipc://" + directory.appending("p")
        try await withHangGuard {
            let context = try ZMQContext.make()
            let push = try context.makeSocket(.push)
            try push.connect(endpoint)  // nobody ever binds: every message stays queued
            let pull = try context.makeSocket(.pull)
            try pull.bind("ipc://" + directory.appending("q"))
            let loop = try MessageLoop(sockets: [push, pull], name: "test.pending")
            for _ in 0..<5_000 { loop.send([Array(repeating: 1, count: 100)], on: 0) }
            loop.stop()
            #expect(await loop.stopped() == nil)
            var iterator = loop.received.makeAsyncIterator()
            #expect(await iterator.next() == nil)
        }
    }

    @Test("a ROUTER_MANDATORY send to an unknown routing id is counted as a send failure, and the loop goes on")
    func router_unknownPeer_countsSendFailure() async throws {
        let directory = try TemporaryDirectory()
        let endpoint = "ipc://" + directory.appending("r")
        let context = try ZMQContext.make()
        let router = try context.makeSocket(.router)
        try router.setOption(.routerMandatory, 1)
        try router.bind(endpoint)
        let dealer = try context.makeSocket(.dealer)
        try dealer.setRoutingID(Array("cli-1".utf8))
        try dealer.connect(endpoint)
        let server = try MessageLoop(sockets: [router], name: "test.mandatory")
        let client = try MessageLoop(sockets: [dealer], name: "test.client")
        try await withHangGuard {
            server.send([Array("nobody".utf8), Array("lost".utf8)], on: 0)
            server.send([Array("x".utf8)], on: 7)
            client.send([Array("hello".utf8)], on: 0)
            var requests = server.received.makeAsyncIterator()
            let request = try #require(await requests.next())
            #expect(request.frames == [Array("cli-1".utf8), Array("hello".utf8)])
        }
        #expect(server.sendFailures == 2)
        server.stop()
        client.stop()
        await server.stopped()
        await client.stopped()
    }
}
