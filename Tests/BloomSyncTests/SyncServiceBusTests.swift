import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import BloomSync
import BloomWire
import Logging
import ServiceLifecycle
import Testing

/// bloom-sync's real bus client against the mock bus (real ZeroMQ endpoints): the test plays bloom-net and the
/// CLI.
@Suite(.serialized) struct SyncServiceBusTests {
    final class TipLog: Sendable {
        let tips = Locked<[BloomBus.ChainTip]>([])
    }

    @Test func service_onTheMockBus_storesARelayedBlock_publishesTheTip_answersQueries_andStopsOnShutdown()
        async throws
    {
        let mock = try MockBus()
        let client = try await mock.makeClient(as: SenderID(service: .sync, replica: 0, bootID: 42))
        let store = try SQLiteChainStore.inMemory()
        let engine = try ChainEngine(store: store, genesis: SyncFixture.genesis)
        let owner = ChainOwner(core: SyncCore(engine: engine, rewardAddress: SyncFixture.bob))
        let tipLog = TipLog()
        var configuration = SyncService<BusClient>.Configuration()
        configuration.tickInterval = .milliseconds(50)
        let service = SyncService(
            bus: client,
            owner: owner,
            configuration: configuration,
            logger: Logger(label: "bloom-sync.test"),
            onTip: { tip in tipLog.tips.withLock { $0.append(tip) } },
            clock: { (MonotonicClock.now(), SyncFixture.now) }
        )
        let group = ServiceGroup(services: [service], logger: Logger(label: "bloom-sync.test.group"))
        let running = Task { try await group.run() }

        // Given the service started: it subscribed and published its tip (the genesis).
        try await mock.waitForSubscription(Topic.p2pIn(messageType: MessageType.block.rawValue))
        try await mock.waitForSubscription(.gossipSealed)
        let first = try await mock.next(BloomBus.ChainTip.self, topic: .chainTip)
        #expect(
            first.payload
                == BloomBus.ChainTip(
                    height: 0,
                    hash: SyncFixture.genesis.hash,
                    parentHash: .zero,
                    certificateHash: SyncFixture.genesis.certificate.digest
                )
        )

        // When bloom-net reports two peers, and one of them sends block 1.
        let sender = PeerID(rawValue: 0x0100_0000_0000_0001)
        let other = PeerID(rawValue: 0x0100_0000_0000_0002)
        for peer in [sender, other] {
            mock.publish(.p2pPeer, SyncFixture.inboundConnected(peer))
        }
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 1)
        mock.publish(
            Topic.p2pIn(messageType: MessageType.block.rawValue),
            P2PIn(payload: blocks[0].serialized()),
            peerID: sender
        )

        // Then it relays the block to the other peer and publishes the new tip.
        let relay = try await mock.next(P2POut.self, topic: .p2pOut)
        #expect(
            relay.payload
                == P2POut(
                    messageType: MessageType.block.rawValue,
                    target: .peer(other),
                    payload: blocks[0].serialized()
                )
        )
        let tip = try await mock.next(BloomBus.ChainTip.self, topic: .chainTip)
        #expect(
            tip.payload
                == BloomBus.ChainTip(
                    height: 1,
                    hash: blocks[0].hash,
                    parentHash: SyncFixture.genesis.hash,
                    certificateHash: blocks[0].certificate.digest
                )
        )
        #expect(tipLog.tips.withLock { $0.last } == tip.payload)

        // And it answers the CLI's questions.
        let chain = try await service.answer("chain", args: .null).get()
        #expect(chain["height"] == .number(1))
        #expect(chain["tip"] == .string(blocks[0].hash.hex))
        #expect(chain["syncing"] == .bool(false))
        let byHeight = try await service.answer("block", args: .array([.string("1")])).get()
        #expect(byHeight["hash"] == .string(blocks[0].hash.hex))
        let tx = SyncFixture.pay(
            SyncFixture.coinbaseOutput(of: blocks[0]),
            amount: SyncFixture.reward(1),
            to: SyncFixture.bob
        )
        let submitted = try await service.answer(
            "tx submit",
            args: .object(["hex": .string(tx.serialized().hexString)])
        ).get()
        #expect(submitted["txid"] == .string(tx.txid.hex))
        let txRelay = try await mock.next(P2POut.self, topic: .p2pOut)
        #expect(txRelay.payload == P2POut(messageType: MessageType.tx.rawValue, target: .all, payload: tx.serialized()))
        let pool = try await service.answer("mempool", args: .null).get()
        #expect(pool["txids"] == .array([.string(tx.txid.hex)]))
        guard case .failure = await service.answer("block", args: .array([.string("99")])) else {
            Issue.record("an unknown height must be an error")
            return
        }

        // When SIGTERM's graceful shutdown comes, the service returns cleanly and the store is closed.
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(throws: ChainError.self) { try store.chainState() }
        client.stop()
        await mock.stop()
    }
}
