import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import BloomSync
import BloomWire
import Foundation
import Logging
import ServiceLifecycle

/// bloom-sync figures: blocks validated and stored per second on the SQLite store, and IBD of a pre-built chain
/// through the mock bus (real ZeroMQ endpoints) from one simulated BULK_SYNC peer.
let syncBenchmarks: [Benchmark] = [
    Benchmark(names: ["sync_store_connect_blocks_per_s"]) { quick in
        let blocks = SyncBenchmarkFixtures.chain(count: quick ? 1_000 : 10_000).map { $0.serialized() }
        let directory = try SyncBenchmarkFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteChainStore(path: directory + "/chain.sqlite")
        let engine = try ChainEngine(store: store, genesis: SyncBenchmarkFixtures.genesis)
        let start = now()
        let summary = try BlockImporter(batchSize: 64).run(
            blocks,
            into: engine,
            now: { SyncBenchmarkFixtures.now },
            committed: { _ in }
        )
        let elapsed = now() - start
        try store.close()
        guard summary.accepted == blocks.count else { throw SyncBenchmarkFixtures.Failure("accepted \(summary)") }
        return [
            Figure(name: "sync_store_connect_blocks_per_s", value: Double(blocks.count) / elapsed, unit: "blocks/s")
        ]
    },
    Benchmark(names: ["sync_reorg_ms"]) { quick in
        // On the SQLite store: a main chain of 10 blocks, a side branch of 4 from height 7; the fourth side block
        // disconnects 3 and connects 4 in one transaction. Each round reopens a copy of the prepared database.
        let genesis = SyncBenchmarkFixtures.genesis
        let trunk = SyncBenchmarkFixtures.chain(count: 10)
        let side = SyncBenchmarkFixtures.branch(on: trunk[6], height: 7, count: 4)
        let directory = try SyncBenchmarkFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let prepared = directory + "/prepared.sqlite"
        do {
            let store = try SQLiteChainStore(path: prepared)
            let engine = try ChainEngine(store: store, genesis: genesis)
            for block in trunk + side.dropLast() {
                _ = try engine.submit(block.serialized(), now: SyncBenchmarkFixtures.now)
            }
            try store.close()
        }
        let trigger = side[side.count - 1].serialized()
        var samples: [Double] = []
        for round in 0..<(quick ? 10 : 100) {
            let path = directory + "/round-\(round).sqlite"
            try FileManager.default.copyItem(atPath: prepared, toPath: path)
            let store = try SQLiteChainStore(path: path)
            let engine = try ChainEngine(store: store, genesis: genesis)
            let start = now()
            let verdict = try engine.submit(trigger, now: SyncBenchmarkFixtures.now)
            samples.append((now() - start) * 1000)
            guard verdict.verdict == .acceptReorg, verdict.effects.disconnected.count == 3 else {
                throw SyncBenchmarkFixtures.Failure("unexpected \(verdict)")
            }
            try store.close()
        }
        return [Figure(name: "sync_reorg_ms", value: percentile(samples, 50), unit: "ms (median, depth 3, SQLite)")]
    },
    Benchmark(names: ["ibd_mockbus_blocks_per_s"]) { quick in
        let count = quick ? 1_000 : 10_000
        let rate = try SyncBenchmarkFixtures.blocking { try await SyncBenchmarkFixtures.ibdOverMockBus(count: count) }
        return [Figure(name: "ibd_mockbus_blocks_per_s", value: rate, unit: "blocks/s (\(count) blocks, 1 peer)")]
    },
]

enum SyncBenchmarkFixtures {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static let genesis = Genesis.block()
    static let now = BloomConstants.genesisTimestamp + 100_000_000

    /// `count` blocks on the genesis, each with a coinbase; the certificate is built once.
    static func chain(count: Int) -> [Block] {
        let certificate = FixtureBlocks.certificate()
        let address = Hash256(bytes: [UInt8](repeating: 0xA1, count: 32)) ?? .zero
        var blocks: [Block] = []
        blocks.reserveCapacity(count)
        var parent = genesis.header
        for height in 1...UInt32(count) {
            let block = FixtureBlocks.child(
                of: parent,
                height: height,
                rewardAddress: address,
                certificate: certificate
            )
            blocks.append(block)
            parent = block.header
        }
        return blocks
    }

    /// `count` blocks on `parent` (at `height`) with a different reward address: a side branch.
    static func branch(on parent: Block, height: UInt32, count: Int) -> [Block] {
        let certificate = FixtureBlocks.certificate()
        let address = Hash256(bytes: [UInt8](repeating: 0xB0, count: 32)) ?? .zero
        var blocks: [Block] = []
        var tip = parent.header
        for offset in 1...UInt32(count) {
            let block = FixtureBlocks.child(
                of: tip,
                height: height + offset,
                rewardAddress: address,
                nonce: 1,
                certificate: certificate
            )
            blocks.append(block)
            tip = block.header
        }
        return blocks
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bloom-sync-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs async work from the synchronous benchmark harness.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Locked<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        guard let outcome = result.withLock({ $0 }) else { throw Failure("no result") }
        return try outcome.get()
    }

    /// A peer's chain answered through a ``BlockServer``, shared between the benchmark's tasks.
    final class Peer: @unchecked Sendable {
        let engine: ChainEngine<InMemoryChainStore>
        private let lock = Locked(BlockServer())

        init(blocks: [Block]) throws {
            engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncBenchmarkFixtures.genesis)
            for block in blocks { _ = try engine.submit(block.serialized(), now: SyncBenchmarkFixtures.now) }
        }

        /// Only the peer task calls this, one message at a time (the engine is read, never written).
        func answer(_ message: PeerMessage, now: Double) throws -> [PeerMessage] {
            let node = SyncPeer(id: PeerID(rawValue: 0), height: 0, services: .node)
            let actions = try lock.withLock { server in
                try server.answer(message, from: node, chain: engine, now: now) ?? []
            }
            return actions.compactMap { if case .send(_, let reply) = $0 { reply } else { nil } }
        }
    }

    /// The next message the mock bus recorded, or nil when none came within `timeout`.
    static func nextRecorded(_ mock: MockBus, timeout: Duration) async throws -> BusMessage? {
        do {
            return try await mock.next(timeout: timeout)
        } catch {
            if case .timedOut = error { return nil }
            throw error
        }
    }

    /// Blocks per second from the peer's connection until the node's tip reaches the peer's.
    static func ibdOverMockBus(count: Int) async throws -> Double {
        let blocks = chain(count: count)
        let peer = try Peer(blocks: blocks)
        let mock = try MockBus()
        let client = try await mock.makeClient(as: SenderID(service: .sync, replica: 0, bootID: 7))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try ChainEngine(store: SQLiteChainStore(path: directory + "/chain.sqlite"), genesis: genesis)
        let reached = Locked<Double?>(nil)
        let target = UInt32(count)
        let service = SyncService(
            bus: client,
            owner: ChainOwner(core: SyncCore(engine: engine, rewardAddress: .zero)),
            logger: Logger(label: "bench"),
            onTip: { tip in if tip.height == target { reached.withLock { $0 = MonotonicClock.now() } } },
            clock: { (MonotonicClock.now(), SyncBenchmarkFixtures.now) }
        )
        let group = ServiceGroup(services: [service], logger: Logger(label: "bench"))
        let running = Task { try await group.run() }
        try await mock.waitForSubscription(.p2pPeer)
        try await mock.waitForSubscription(Topic.p2pIn(messageType: MessageType.block.rawValue))

        let peerID = PeerID(rawValue: 0x0100_0000_0000_0001)
        let connected = PeerEvent.Connected(
            peer: peerID,
            address: "127.0.0.1:7619",
            direction: .outbound,
            version: 1,
            height: target,
            services: ServiceFlags.node.rawValue,
            listenPort: 7619
        )
        let start = MonotonicClock.now()
        mock.publish(.p2pPeer, PeerEvent.connected(connected))
        while reached.withLock({ $0 }) == nil {
            guard MonotonicClock.now() - start < 600 else { throw Failure("IBD did not finish") }
            // Every recorded message is taken in order (tips included), so the recorder's backlog stays short.
            // A short wait, then look at the tip again: the last blocks may have been requested already.
            guard let recorded = try await nextRecorded(mock, timeout: .milliseconds(200)) else { continue }
            guard recorded.topic == .p2pOut else { continue }
            let request = try recorded.decode(P2POut.self)
            guard case .peer(peerID) = request.target else { continue }
            guard
                let asked = try PeerMessage(type: MessageType(rawValue: request.messageType), payload: request.payload)
            else { continue }
            for reply in try peer.answer(asked, now: MonotonicClock.now()) {
                mock.publish(
                    Topic.p2pIn(messageType: reply.type.rawValue),
                    P2PIn(payload: reply.encodedPayload()),
                    peerID: peerID
                )
            }
        }
        let elapsed = (reached.withLock { $0 } ?? start) - start
        await group.triggerGracefulShutdown()
        try await running.value
        client.stop()
        await mock.stop()
        return Double(count) / elapsed
    }
}
