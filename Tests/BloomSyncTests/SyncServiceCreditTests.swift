import BloomBus
import BloomChain
import BloomCore
import BloomServiceKit
import BloomSync
import BloomTestSupport
import BloomWire
import Logging
import ServiceLifecycle
import Testing

/// Issue 15, GETBLOCKDATA flood: bloom-sync over the real bus client answers a peer only within its credit. The
/// test plays bloom-net: peer A asks for 180 blocks and never reads (nothing is acknowledged unless the test says
/// so); peer B's one-block requests are the evidence that bloom-sync has moved on, so whatever A got before B's
/// answer is all A was going to get. Bounds and order are asserted, never time.
@Suite(.serialized, .dedicatedThread) struct SyncServiceCreditTests {
    static let peerA = PeerID(rawValue: 0x0100_0000_0000_0001)
    static let peerB = PeerID(rawValue: 0x0100_0000_0000_0002)

    @Test func aPeerThatNeverReads_neverHasMoreThanItsWindowOutstanding_andAnswersResumeOnceBloomNetWritesThem()
        async throws
    {
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 60)
        let engine = try ChainEngine(store: SQLiteChainStore.inMemory(), genesis: SyncFixture.genesis)
        for block in chain { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        let blockSize = chain.map { $0.serialized().count }.max() ?? 0
        let window = blockSize * 4
        let owner = ChainOwner(core: SyncCore(engine: engine, rewardAddress: SyncFixture.bob, answerWindow: window))
        let mock = try MockBus()
        let client = try await mock.makeClient(as: SenderID(service: .sync, replica: 0, bootID: 9))
        var configuration = SyncService<BusClient>.Configuration()
        configuration.tickInterval = .milliseconds(50)
        let service = SyncService(
            bus: client,
            owner: owner,
            configuration: configuration,
            logger: Logger(label: "bloom-sync.test"),
            onTip: { _ in },
            // A clock that stands still: no credit is written off while the test runs, however slowly.
            clock: { (1_000, SyncFixture.now) }
        )
        let group = ServiceGroup(services: [service], logger: Logger(label: "bloom-sync.test.group"))
        let running = Task { try await group.run() }
        try await mock.waitForSubscription(.p2pFlow)
        try await mock.waitForSubscription(Topic.p2pIn(messageType: MessageType.getBlockData.rawValue))
        for peer in [Self.peerA, Self.peerB] {
            mock.publish(.p2pPeer, SyncFixture.inboundConnected(peer))
        }
        func ask(_ peer: PeerID, _ hashes: [Hash256]) {
            mock.publish(
                Topic.p2pIn(messageType: MessageType.getBlockData.rawValue),
                P2PIn(payload: PeerMessage.getBlockData(hashes).encodedPayload()),
                peerID: peer
            )
        }
        func written(_ peer: PeerID, _ bytes: Int) {
            mock.publish(.p2pFlow, P2PFlow(peer: peer, state: .written, bytes: UInt64(bytes)), peerID: peer)
        }

        // Three requests of 60 blocks at once, as a flooder sends them.
        for _ in 0..<3 { ask(Self.peerA, chain.map(\.hash)) }
        var received: [[UInt8]] = []
        var rounds = 0
        var maxOutstanding = 0
        while received.count < 3 * chain.count && rounds < 400 {
            rounds += 1
            // B's request goes behind whatever bloom-sync sends A now; its answer marks the end of the round.
            ask(Self.peerB, [chain[rounds % chain.count].hash])
            var outstanding = 0
            while true {
                let message = try await mock.next(topic: .p2pOut, timeout: .seconds(30))
                let out = try message.decode(P2POut.self)
                #expect(message.envelope.flags.contains(.bulk))
                guard case .peer(let target) = out.target, out.messageType == MessageType.block.rawValue else {
                    Issue.record("unexpected p2p.out: type \(out.messageType)")
                    continue
                }
                if target == Self.peerB {
                    written(Self.peerB, out.payload.count)
                    break
                }
                received.append(out.payload)
                outstanding += out.payload.count
            }
            maxOutstanding = max(maxOutstanding, outstanding)
            #expect(outstanding < window + blockSize, "round \(rounds): \(outstanding) bytes unacknowledged")
            // bloom-net wrote them: A's credit comes back.
            if outstanding > 0 { written(Self.peerA, outstanding) }
        }
        // Every block once per request, in request order, a window at a time.
        #expect(received == Array(repeating: chain.map { $0.serialized() }, count: 3).flatMap { $0 })
        #expect(rounds > 1)
        print("credit\twindow=\(window) max_outstanding=\(maxOutstanding) rounds=\(rounds)")

        await group.triggerGracefulShutdown()
        try await running.value
        client.stop()
        await mock.stop()
    }
}
