import BloomBus
import BloomNet
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// bloom-net as a `Service`: with the node already listening on `port`, feeds it the bus until graceful shutdown,
/// then stops accepting, flushes and closes every peer.
struct NetService: Service {
    let node: NetNode
    let port: Int
    let bridge: NetBusBridge
    let bus: BusClient
    let group: MultiThreadedEventLoopGroup
    let logger: Logger

    func run() async throws {
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
