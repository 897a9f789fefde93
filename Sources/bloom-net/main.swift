import BloomBus
import BloomNet
import BloomServiceKit
import Foundation
import Logging
import NIOPosix

// bloom-net: the only process that talks TCP to peers (DESIGN.md). Options, bus and ServiceGroup come from the
// service kit; the peer logic lives in BloomNet.
await ServiceRunner.main(service: "bloom-net") { context in
    let settings = context.configuration
    var configuration = NetConfiguration()
    configuration.bindHost = settings.bind
    configuration.port = settings.port
    configuration.connect = try settings.connect.map { text in
        guard let endpoint = PeerEndpoint(parsing: text) else { throw PermanentFailure("bad --connect \(text)") }
        return endpoint
    }
    configuration.maxOutbound = settings.maxOutbound
    configuration.maxInbound = settings.maxInbound
    configuration.banTime = settings.banTime
    configuration.limits.handshakeTimeout = settings.handshakeTimeout
    configuration.replica = UInt8(clamping: settings.replica)
    // How many replicas share the outbound targets at start: BLOOM_REPLICAS (the environment spelling of a
    // `--replicas` flag), which the supervisor sets; 1 when absent. `svc.replicas` updates it while running.
    configuration.replicaCount = Int(ProcessInfo.processInfo.environment["BLOOM_REPLICAS"] ?? "") ?? 1
    context.logger.info("replica count \(max(1, configuration.replicaCount))")
    configuration.bootID = context.link.bootID & 0x00FF_FFFF
    configuration.dataDirectory = URL(fileURLWithPath: settings.dataDirectory)

    let endpoints = try BusEndpoints(publish: settings.busPub, subscribe: settings.busSub, control: settings.control)
    let sender = SenderID(service: .net, replica: configuration.replica, bootID: configuration.bootID)
    let bus = try BusClient(
        endpoints: endpoints,
        sender: sender,
        context: context.busContext,
        configuration: context.busClientConfiguration,
        logger: context.logger
    )
    context.link.onRedial { bus.redial() }
    context.metrics.collect(bus)
    let bridge = NetBusBridge(bus: bus, logger: context.logger)
    bridge.subscribe()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let node = NetNode(configuration: configuration, eventLoop: group.next(), sink: bridge, logger: context.logger)
    // Listen before the runner reports ready: a peer (or a test) that dials us as soon as the supervisor says
    // `ready` must find the port bound. A bind failure ends the process, and the supervisor retries with back-off.
    let port = try await node.start().get()
    // SIGHUP: the connect list, limits and ban time change in the running node (a bad address keeps the old list).
    context.reloads.onReload(applying: ["connect", "max-outbound", "max-inbound", "ban-time"]) { reloaded in
        let endpoints = reloaded.connect.compactMap(PeerEndpoint.init(parsing:))
        guard endpoints.count == reloaded.connect.count else {
            context.logger.error("reloaded connect list has an address that is not HOST:PORT; keeping the old one")
            return
        }
        node.apply(
            reloaded: NetReloadableSettings(
                connect: endpoints,
                maxOutbound: reloaded.maxOutbound,
                maxInbound: reloaded.maxInbound,
                banTime: reloaded.banTime
            )
        )
    }
    context.link.onQuery { query in
        guard query.cmd == "peers" else { return .failure(QueryFailure("\(query.cmd) is not answered by bloom-net")) }
        do {
            return .success(try JSONValue.decode(try await node.peersJSON().get()))
        } catch {
            return .failure(QueryFailure("peers: \(error)"))
        }
    }
    return [NetService(node: node, port: port, bridge: bridge, bus: bus, group: group, logger: context.logger)]
}
