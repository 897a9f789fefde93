import BloomServiceKit
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// bloom-supervisor's HTTP server: one event loop thread for the sockets and a small thread pool for the
/// questions that wait on the node, so neither a slow client nor a slow service ever holds up the supervisor's own
/// loop (which only ever sees ordinary control requests). NIOHTTP1 rather than a framework: a handful of GET routes
/// and one event stream need no router or middleware, and swift-nio is already built for bloom-net.
public final class HTTPServer: Sendable {
    let router: HTTPRouter
    let hub: EventHub
    let group: MultiThreadedEventLoopGroup
    let pool: NIOThreadPool
    let channel: any Channel

    /// How long a connection may stay without a request.
    static let idleTimeout = TimeAmount.seconds(30)

    /// The address actually bound (port 0 becomes the port the system chose).
    public let boundHost: String
    public let boundPort: Int

    /// Binds `host`:`port` and starts serving.
    /// - Throws: when the address cannot be bound (in use, not local, bad host).
    public init(host: String, port: Int, router: HTTPRouter, hub: EventHub) throws {
        self.router = router
        self.hub = hub
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        self.group = group
        self.pool = pool
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A connection that sends no complete request within the timeout is closed (an event stream
                    // is exempt: it only reads).
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPRequestHandler(router: router, hub: hub, pool: pool)
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? pool.syncShutdownGracefully()
            try? group.syncShutdownGracefully()
            throw error
        }
        self.channel = channel
        boundHost = host
        boundPort = channel.localAddress?.port ?? port
    }

    /// `http://host:port/` (IPv6 hosts in brackets).
    public var url: String {
        let host = boundHost.contains(":") ? "[\(boundHost)]" : boundHost
        return "http://\(host):\(boundPort)/"
    }

    /// Closes the listener and every connection, and stops the threads.
    public func stop() {
        try? channel.close().wait()
        try? pool.syncShutdownGracefully()
        try? group.syncShutdownGracefully()
    }
}

/// One connection: reads a request head, answers when the request has ended, closes after the answer (no
/// keep-alive: a scrape a second does not need it), or keeps the connection as an event stream.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let router: HTTPRouter
    let hub: EventHub
    let pool: NIOThreadPool
    var head: HTTPRequestHead?
    var streaming = false

    init(router: HTTPRouter, hub: EventHub, pool: NIOThreadPool) {
        self.router = router
        self.hub = hub
        self.pool = pool
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break  // GET has no body worth reading; the decoder still bounds it
        case .end:
            guard let head, !streaming else { return }
            self.head = nil
            handle(head, context: context)
        }
    }

    private func handle(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let isHead = head.method == .HEAD
        switch HTTPRouter.route(method: head.method.rawValue, uri: head.uri) {
        case .immediate(let path):
            respond(router.answer(path: path, uri: head.uri), headOnly: isHead, context: context)
        case .refuse(let status, let message):
            respond(HTTPRouter.Response.error(status, message), headOnly: isHead, context: context)
        case .ask(let cmd):
            let router = self.router
            pool.runIfActive(eventLoop: context.eventLoop) { router.ask(cmd) }
                .assumeIsolated()
                .whenComplete { result in
                    switch result {
                    case .success(let response): self.respond(response, headOnly: isHead, context: context)
                    case .failure: self.respond(.error(503, "the server is stopping"), headOnly: isHead, context: context)
                    }
                }
        case .events:
            guard !isHead, hub.add(context.channel) else {
                respond(.error(503, "too many event streams open"), headOnly: isHead, context: context)
                return
            }
            streaming = true
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/event-stream")
            headers.add(name: "Cache-Control", value: "no-cache")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
                promise: nil)
            // A first comment line, so that clients see the stream open before the first event.
            let hello = context.channel.allocator.buffer(string: ": bloom events\nretry: 2000\n\n")
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(hello))), promise: nil)
        }
    }

    private func respond(_ response: HTTPRouter.Response, headOnly: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Cache-Control", value: "no-store")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
            promise: nil)
        if !headOnly {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, !streaming {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
