import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import Foundation

/// Builds bloom-sync's service from the runner's context: the store in `<data-dir>/chain.sqlite`, the reward
/// address, a bus client on the configured endpoints, and the heartbeat tip.
public enum SyncServiceFactory {
    /// Opens everything; a store that fails its check or starts at another genesis is a permanent failure
    /// (restarting cannot fix it).
    public static func make(context: ServiceContext) throws -> SyncService<BusClient> {
        let configuration = context.configuration
        let directory = configuration.dataDirectory
        let store: SQLiteChainStore
        let engine: ChainEngine<SQLiteChainStore>
        let reward: Hash256
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try SQLiteChainStore(path: directory + "/" + LoadBlocksCommand.storeFileName)
            engine = try ChainEngine(store: store, genesis: Genesis.block())
            reward = try RewardAddress.resolve(configured: configuration.rewardAddress, dataDirectory: directory)
        } catch {
            throw PermanentFailure("cannot open the chain: \(error)")
        }
        let endpoints = try BusEndpoints(
            publish: configuration.busPub,
            subscribe: configuration.busSub,
            control: configuration.control
        )
        let sender = SenderID(
            service: .sync,
            replica: UInt8(clamping: configuration.replica),
            bootID: context.link.bootID & 0xFF_FFFF
        )
        let bus = try BusClient(
            endpoints: endpoints,
            sender: sender,
            context: context.busContext,
            configuration: context.busClientConfiguration,
            logger: context.logger
        )
        context.link.onRedial { bus.redial() }
        context.metrics.collect(bus)
        let link = context.link
        return SyncService(
            bus: bus,
            owner: ChainOwner(core: SyncCore(engine: engine, rewardAddress: reward)),
            logger: context.logger,
            onTip: { tip in link.setTip(tip) },
            clock: { (MonotonicClock.now(), UInt32(clamping: Int(Date().timeIntervalSince1970))) },
            // Best effort: without a forwarder (a service started by hand) it still runs, and retries are cheap.
            join: { try? await bus.joined(timeout: .seconds(2)) }
        )
    }
}
