import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import Foundation
import Logging
import ServiceLifecycle

/// bloom-sync on the bus: subscribes to its topics, turns each received batch into one ``SyncCore`` call (one
/// store transaction) on the chain's own queue, and publishes the resulting actions; ticks drive timeouts and
/// progress. On graceful shutdown (SIGTERM) it stops taking messages, lets the transaction in progress finish,
/// closes the store and returns.
public struct SyncService<B: Bus>: Service {
    /// Cadences.
    public struct Configuration: Sendable {
        /// Time between ticks (timeouts, stalls, new requests).
        public var tickInterval: Duration = .milliseconds(500)
        /// Time between two progress lines in the log while syncing.
        public var progressLogInterval = 10.0

        /// The defaults above.
        public init() {}
    }

    let bus: B
    let owner: ChainOwner
    let configuration: Configuration
    let logger: Logger
    /// Called with every new tip (and the tip at start), for the heartbeat.
    let onTip: @Sendable (BloomBus.ChainTip) -> Void
    /// Monotonic seconds and Unix seconds.
    let clock: @Sendable () -> (monotonic: Double, wall: UInt32)
    /// Waits until the subscriptions are in place at the forwarder (``BusClient/joined(timeout:)``), so that the
    /// first `chain.tip` and the first peer events are not lost to ZeroMQ's slow-joiner window.
    let join: @Sendable () async -> Void
    /// What arrives, in the order the core takes it (relays first, requests a turn at a time, busy peers wait).
    private let inbox = SyncInboxQueue()

    /// A service over `bus`, with the chain behind `owner`; `onTip` feeds the heartbeat, `clock` gives
    /// monotonic and Unix seconds (injected so tests control time).
    public init(
        bus: B,
        owner: ChainOwner,
        configuration: Configuration = Configuration(),
        logger: Logger,
        onTip: @escaping @Sendable (BloomBus.ChainTip) -> Void,
        clock: @escaping @Sendable () -> (monotonic: Double, wall: UInt32),
        join: @escaping @Sendable () async -> Void = {}
    ) {
        self.bus = bus
        self.owner = owner
        self.configuration = configuration
        self.logger = logger
        self.onTip = onTip
        self.clock = clock
        self.join = join
    }

    /// Runs until graceful shutdown; throws when the store fails (the supervisor then restarts the service).
    public func run() async throws {
        for topic in SyncBusTranslation.subscriptions { bus.subscribe(topic) }
        await join()
        // Subscribed: the others may now bring us up to date (ServiceHello). bloom-net answers with every
        // connected peer and its VERSION height, so a download resumes even from peers that say nothing unasked.
        bus.sayHello()
        let restored = try await owner.perform { try $0.restoreMempool() }
        logger.info(
            "mempool restored",
            metadata: ["bloom.kept": "\(restored.kept)", "bloom.dropped": "\(restored.dropped)"]
        )
        let tip = try await owner.perform { try $0.announcedTip() }
        onTip(tip)
        SyncBusTranslation.publish(.publishTip(tip), on: bus)
        logger.info("chain open", metadata: ["bloom.height": "\(tip.height)", "bloom.tip": "\(tip.hash.hex)"])

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await tickLoop() }
            try await receiveLoop()
            group.cancelAll()
        }
        try await owner.perform { try $0.engine.store.close() }
        logger.info("chain closed")
    }

    /// Reads the bus into a ``SyncInbox`` on one task and hands its work to the core on this one: everything but
    /// peers' requests as one batch (so that during IBD many blocks share one transaction, and a sealed block is
    /// announced without waiting behind requests), then requests a turn at a time. Ends when graceful shutdown
    /// cancels it (the stream then returns nil).
    private func receiveLoop() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    var iterator = bus.messages.makeAsyncIterator()
                    while let batch = await iterator.nextBatch() {
                        let events = batch.compactMap(SyncBusTranslation.event(from:))
                        if !events.isEmpty { await inbox.add(events) }
                    }
                    inbox.finish()
                }
                while let work = await inbox.next() {
                    switch work {
                    case .events(let events): try await handle(events)
                    case .requests(let requests): try await handle(requests, bulk: true)
                    }
                }
                group.cancelAll()
            }
        }
    }

    private func tickLoop() async throws {
        var lastLog = clock().monotonic
        while true {
            // Cancelled when the receive loop ends (graceful shutdown): a normal end, not an error.
            guard (try? await Task.sleep(for: configuration.tickInterval)) != nil, !Task.isCancelled else { return }
            try await handle([.tick])
            let now = clock().monotonic
            if now - lastLog >= configuration.progressLogInterval {
                lastLog = now
                await logProgress()
            }
        }
    }

    /// One core call, its actions published after the store committed; `bulk` marks what it sends as answers to
    /// requests, which bloom-net sends behind relays (and acknowledges, giving the core its credit back). The
    /// core's serving state then tells the inbox which peers' requests wait and which peers to serve more.
    func handle(_ events: [SyncEvent], bulk: Bool = false) async throws {
        let (monotonic, wall) = clock()
        let inbox = inbox
        let actions = try await owner.perform { core in
            let actions = try core.handle(events, now: monotonic, wallClock: wall)
            // On the chain's queue, so the inbox sees the states in the order of the calls (the tick's call and a
            // turn's may overlap).
            inbox.update(core.serving)
            return actions
        }
        publish(actions, bulk: bulk)
    }

    private func publish(_ actions: [SyncAction], bulk: Bool = false) {
        for action in actions {
            if case .publishTip(let tip) = action { onTip(tip) }
            SyncBusTranslation.publish(action, on: bus, bulk: bulk)
        }
    }

    private func logProgress() async {
        guard let progress = try? await owner.perform({ $0.progress }), progress.isSyncing else { return }
        logger.info(
            "sync progress",
            metadata: [
                "bloom.height": "\(progress.height)",
                "bloom.target": "\(progress.target)",
                // Formatted, not converted to Int: a conversion traps on a value out of Int's range.
                "bloom.blocks_per_s": "\(String(format: "%.0f", progress.blocksPerSecond))",
                "bloom.eta_s": "\(progress.etaSeconds.map { String(format: "%.0f", $0) } ?? "-1")",
            ]
        )
    }

    /// Answers a CLI question (`svc.query.bloom-sync`), publishing what the answer caused (a relayed TX).
    public func answer(_ cmd: String, args: JSONValue) async -> Result<JSONValue, QueryFailure> {
        do {
            let answer = try await owner.perform { try SyncQueries.answer(cmd, args: args, core: $0) }
            publish(answer.actions)
            return answer.result
        } catch {
            return .failure(QueryFailure("bloom-sync: \(error)"))
        }
    }
}
