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
        // Once our subscriptions reach the forwarder, the others bring us up to date (ServiceHello): bloom-sync
        // republishes its tip, the supervisor the replica counts. Best effort: without a forwarder (started by
        // hand) bloom-net still serves peers, and the tip also rides in bloom-sync's heartbeats.
        if (try? await bus.joined(timeout: .seconds(2))) != nil { bus.sayHello() }
        try? await gracefulShutdown()
        consumer.cancel()
        try? await node.shutdown().get()
        bus.stop()
        try? await group.shutdownGracefully()
    }
}
