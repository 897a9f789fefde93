import BloomBus
import BloomNet
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// bloom-net as a `Service`: starts the node, feeds it the bus until graceful shutdown, then stops accepting,
/// flushes and closes every peer.
struct NetService: Service {
    let node: NetNode
    let bridge: NetBusBridge
    let bus: BusClient
    let group: MultiThreadedEventLoopGroup
    let logger: Logger

    func run() async throws {
        let port = try await node.start().get()
        logger.info("bloom-net up", metadata: ["bloom.port": "\(port)"])
        let bridge = self.bridge
        let node = self.node
        let consumer = bridge.start(node: node)
        try? await gracefulShutdown()
        consumer.cancel()
        try? await node.shutdown().get()
        bus.stop()
        try? await group.shutdownGracefully()
    }
}
