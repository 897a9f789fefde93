import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import BloomWire
import Testing

@Suite(.dedicatedThread) struct BlockServerTests {
    static let bulkPeer = SyncPeer(id: PeerID(rawValue: 1), height: 0, services: .node)
    static let referencePeer = SyncPeer(id: PeerID(rawValue: 2), height: 0, services: [.blockServe])

    private func engine(blocks count: Int) throws -> (ChainEngine<InMemoryChainStore>, [Block]) {
        let engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: count)
        for block in blocks { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        return (engine, blocks)
    }

    private func isPenalty(_ actions: [SyncAction]?, _ peer: SyncPeer) -> Bool {
        actions?.contains { if case .penalise(peer.id, _, _) = $0 { true } else { false } } ?? false
    }

    @Test func getBlocks_capsTheCountAt500_andListsMainChainHashesInHeightOrder() throws {
        let (engine, blocks) = try engine(blocks: 520)
        var server = BlockServer()
        let answer = try server.answer(
            .getBlocks(HeightRange(startHeight: 1, count: 10_000)),
            from: Self.referencePeer,
            chain: engine,
            now: 0
        )
        #expect(answer == [.send(Self.referencePeer.id, .blocks(blocks.prefix(500).map(\.hash)))])
        let tail = try server.answer(
            .getBlocks(HeightRange(startHeight: 515, count: 100)),
            from: Self.referencePeer,
            chain: engine,
            now: 0
        )
        #expect(tail == [.send(Self.referencePeer.id, .blocks(blocks[514...].map(\.hash)))])
    }

    @Test func getHeaders_capsTheCountAt2000_andIsAViolationWithoutBulkSync() throws {
        let (engine, blocks) = try engine(blocks: 2_001)
        var server = BlockServer()
        let answer = try server.answer(
            .getHeaders(HeightRange(startHeight: 1, count: 5_000)),
            from: Self.bulkPeer,
            chain: engine,
            now: 0
        )
        #expect(answer == [.send(Self.bulkPeer.id, .headers(blocks.prefix(2_000).map { $0.header.encoded() }))])
        let refused = try server.answer(
            .getHeaders(HeightRange(startHeight: 1, count: 1)),
            from: Self.referencePeer,
            chain: engine,
            now: 0
        )
        #expect(isPenalty(refused, Self.referencePeer))
    }

    @Test func getBlockData_answersKnownBlocksInOrder_thenOneNotFoundForTheRest() throws {
        let (engine, blocks) = try engine(blocks: 3)
        var server = BlockServer()
        let unknown = SyncFixture.address(0x55)
        let answer = try server.answer(
            .getBlockData([blocks[2].hash, unknown, blocks[0].hash]),
            from: Self.bulkPeer,
            chain: engine,
            now: 0
        )
        #expect(
            answer == [
                .send(Self.bulkPeer.id, .block(blocks[2].serialized())),
                .send(Self.bulkPeer.id, .block(blocks[0].serialized())),
                .send(Self.bulkPeer.id, .notFound([unknown])),
            ]
        )
        let refused = try server.answer(
            .getBlockData([blocks[0].hash]),
            from: Self.referencePeer,
            chain: engine,
            now: 0
        )
        #expect(isPenalty(refused, Self.referencePeer))
    }

    @Test func getData_forABlockTooLargeForAPlainFrame_isSkippedForAPeerWithoutLargeFrames() throws {
        // Given a block of more than 65535 bytes: a transfer with 2000 outputs.
        let (engine, blocks) = try engine(blocks: 1)
        let outputs = (0..<2_000).map { _ in TxOutput(amount: 1, address: SyncFixture.bob) }
        let split = FixtureBlocks.transfer(spending: [SyncFixture.coinbaseOutput(of: blocks[0])], to: outputs)
        let large = FixtureBlocks.child(
            of: blocks[0].header,
            height: 2,
            rewardAddress: SyncFixture.alice,
            transfers: [split]
        )
        #expect(try engine.submit(large.serialized(), now: SyncFixture.now).reason == .validButExceedsUInt16Frame)
        var server = BlockServer()

        let toReference = try server.answer(
            .getData(.hash(large.hash)),
            from: Self.referencePeer,
            chain: engine,
            now: 0
        )
        let toBulk = try server.answer(.getData(.height(2)), from: Self.bulkPeer, chain: engine, now: 0)

        #expect(toReference == [])
        #expect(toBulk == [.send(Self.bulkPeer.id, .block(large.serialized()))])
    }

    @Test func getData_beyondTenUnsolicitedRequests_isDroppedWithAPoint_butOfferedBlocksAreNotCounted() throws {
        let (engine, blocks) = try engine(blocks: 30)
        var server = BlockServer()
        let peer = Self.referencePeer
        // One GETBLOCKS (a block request) offers blocks 1…20.
        _ = try server.answer(.getBlocks(HeightRange(startHeight: 1, count: 20)), from: peer, chain: engine, now: 0)
        // Nine unsolicited GETDATA use up the burst of 10.
        for block in blocks[20..<29] {
            let answer = try server.answer(.getData(.hash(block.hash)), from: peer, chain: engine, now: 0)
            #expect(answer == [.send(peer.id, .block(block.serialized()))])
        }
        // Offered blocks are still served at the same instant.
        for block in blocks[0..<20] {
            let answer = try server.answer(.getData(.hash(block.hash)), from: peer, chain: engine, now: 0)
            #expect(answer == [.send(peer.id, .block(block.serialized()))])
        }
        // The eleventh block request is over the limit; six seconds later one token is back.
        let over = try server.answer(.getData(.hash(blocks[29].hash)), from: peer, chain: engine, now: 0)
        #expect(isPenalty(over, peer))
        let later = try server.answer(.getData(.hash(blocks[29].hash)), from: peer, chain: engine, now: 6)
        #expect(later == [.send(peer.id, .block(blocks[29].serialized()))])
    }

    @Test func getData_forAnUnknownHash_staysSilent() throws {
        let (engine, _) = try engine(blocks: 1)
        var server = BlockServer()
        let answer = try server.answer(
            .getData(.hash(SyncFixture.address(9))),
            from: Self.bulkPeer,
            chain: engine,
            now: 0
        )
        #expect(answer == [])
    }
}

@Suite(.dedicatedThread) struct BlockServerFlowTests {
    private func engine(blocks count: Int) throws -> (ChainEngine<InMemoryChainStore>, [Block]) {
        let engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: count)
        for block in blocks { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        return (engine, blocks)
    }

    private func sent(_ actions: [SyncAction]?) -> [PeerMessage] {
        (actions ?? []).compactMap { if case .send(_, let message) = $0 { message } else { nil } }
    }

    @Test func flowFull_holdsRequestedBlocksInOrder_andFlowOpen_makesThemReady_beyond1024ItIsALimitBreach() throws {
        let (engine, blocks) = try engine(blocks: 3)
        var server = BlockServer()
        let peer = BlockServerTests.bulkPeer
        server.connect(peer.id, now: 0)

        // Given the peer's send queue is full.
        server.flow(peer.id, open: false)
        // When it asks for blocks, nothing is sent, not even the NOTFOUND (it comes after the blocks).
        let unknown = SyncFixture.address(0x66)
        let asked = try server.answer(
            .getBlockData([blocks[1].hash, unknown, blocks[0].hash]),
            from: peer,
            chain: engine,
            now: 0
        )
        #expect(asked == [])
        #expect(server.serving == BlockServer.Serving(busy: [peer.id]))
        // Then the queue reopening makes the peer ready, and serving it sends them in request order, then NOTFOUND.
        server.flow(peer.id, open: true)
        #expect(server.serving == BlockServer.Serving(busy: [peer.id], ready: [peer.id]))
        let resumed = try server.serve(peer, chain: engine, now: 1)
        #expect(sent(resumed) == [.block(blocks[1].serialized()), .block(blocks[0].serialized()), .notFound([unknown])])
        #expect(server.serving == BlockServer.Serving())

        // While full, at most 1024 blocks wait; the request that goes over is a limit breach.
        server.flow(peer.id, open: false)
        let batch = Array(repeating: blocks[2].hash, count: 128)
        for _ in 0..<8 {
            #expect(try server.answer(.getBlockData(batch), from: peer, chain: engine, now: 1) == [])
        }
        let over = try server.answer(.getBlockData([blocks[2].hash]), from: peer, chain: engine, now: 1)
        #expect(over?.contains { if case .penalise(peer.id, _, _) = $0 { true } else { false } } == true)
        server.flow(peer.id, open: true)
        #expect(sent(try server.serve(peer, chain: engine, now: 1)).count == 1_024)
    }

    /// A peer that never reads (bloom-net never acknowledges): bloom-sync hands out at most its window (plus the
    /// block that crosses it), however many requests arrive; each acknowledgement lets about as much out again, in
    /// request order, until every block went out once.
    @Test func aPeerThatNeverReads_getsAtMostTheWindow_andAcknowledgementsResumeInOrder() throws {
        let (engine, blocks) = try engine(blocks: 40)
        let blockSize = blocks.map { $0.serialized().count }.max() ?? 0
        let window = blockSize * 5 / 2
        var server = BlockServer(window: window)
        let peer = BlockServerTests.bulkPeer
        server.connect(peer.id, now: 0)
        var received: [PeerMessage] = []

        let first = try server.answer(.getBlockData(blocks.map(\.hash)), from: peer, chain: engine, now: 0)
        received += sent(first)
        #expect(!received.isEmpty)
        #expect(server.unacknowledged(peer.id) < window + blockSize)
        #expect(server.serving == BlockServer.Serving(busy: [peer.id]))
        // More requests while nothing is acknowledged: nothing more goes out, they only wait.
        for _ in 0..<5 {
            #expect(sent(try server.answer(.getBlockData([blocks[0].hash]), from: peer, chain: engine, now: 1)).isEmpty)
            #expect(server.unacknowledged(peer.id) < window + blockSize)
        }
        // Each acknowledgement of what went out lets the next part go, never more than the window at a time.
        var rounds = 0
        while server.pendingCount(peer.id) > 0 && rounds < 100 {
            rounds += 1
            server.acknowledged(peer.id, bytes: server.unacknowledged(peer.id), now: 2)
            #expect(server.serving.ready == [peer.id])
            received += sent(try server.serve(peer, chain: engine, now: 2))
            #expect(server.unacknowledged(peer.id) < window + blockSize)
        }
        #expect(rounds > 1)
        let expected = blocks.map { PeerMessage.block($0.serialized()) }
            + Array(repeating: PeerMessage.block(blocks[0].serialized()), count: 5)
        #expect(received == expected)
    }

    @Test func creditUnacknowledgedFor30s_isWrittenOff_soALostAcknowledgementDoesNotStallThePeer() throws {
        let (engine, blocks) = try engine(blocks: 10)
        let window = blocks[0].serialized().count
        var server = BlockServer(window: window)
        let peer = BlockServerTests.bulkPeer
        server.connect(peer.id, now: 0)
        #expect(sent(try server.answer(.getBlockData(blocks.map(\.hash)), from: peer, chain: engine, now: 0)).count == 1)
        #expect(server.expireCredits(now: BlockServer.creditTimeout - 1) == [])
        #expect(server.serving.ready.isEmpty)
        #expect(server.expireCredits(now: BlockServer.creditTimeout) == [peer.id])
        #expect(server.expiredCredits == 1)
        #expect(server.serving.ready == [peer.id])
        #expect(sent(try server.serve(peer, chain: engine, now: BlockServer.creditTimeout)).count == 1)
    }
}
