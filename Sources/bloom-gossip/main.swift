import BloomBus
import BloomGossip
import BloomServiceKit
import Foundation
import ServiceLifecycle

/// Runs `GossipService` until graceful shutdown (SIGTERM/SIGINT), then stops the ensemble and the bus client.
struct GossipLifecycle: Service {
    let service: GossipService
    let bus: BusClient

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await service.run() }
        _ = bus.stopAndWait()
    }
}

await ServiceRunner.main(service: BloomGossipModule.serviceName) { context in
    let node = context.configuration
    let settings = try GossipSettings.make(node)
    let endpoints = try BusEndpoints(publish: node.busPub, subscribe: node.busSub, control: node.control)
    let bus = try BusClient(
        endpoints: endpoints,
        // One identity per process: the same boot id as the kit's heartbeats (sequence numbers are per topic, and
        // the two clients publish on different topics).
        sender: SenderID(service: .gossip, replica: UInt8(clamping: node.replica), bootID: context.link.bootID),
        context: context.busContext,
        configuration: context.busClientConfiguration,
        logger: context.logger
    )
    context.link.onRedial { bus.redial() }
    context.metrics.collect(bus)
    let service = try GossipService(bus: bus, configuration: settings, logger: context.logger)
    context.link.onQuery { query in
        guard query.cmd == "coherence" else {
            return .failure(QueryFailure("\(query.cmd) is not answered by bloom-gossip"))
        }
        let report = await service.coherenceReport()
        do {
            return .success(try JSONDecoder().decode(JSONValue.self, from: report.jsonData()))
        } catch {
            return .failure(QueryFailure("coherence report could not be encoded: \(error)"))
        }
    }
    return [GossipLifecycle(service: service, bus: bus)]
}
