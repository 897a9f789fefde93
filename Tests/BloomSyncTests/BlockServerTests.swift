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
    @Test func flowFull_defersRequestedBlocksInOrder_andFlowOpen_sendsThem_beyond1024ItIsALimitBreach() throws {
        let engine = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 3)
        for block in blocks { _ = try engine.submit(block.serialized(), now: SyncFixture.now) }
        var server = BlockServer()
        let peer = BlockServerTests.bulkPeer
        server.connect(peer.id, now: 0)

        // Given the peer's send queue is full.
        #expect(try server.flow(peer, open: false, chain: engine) == [])
        // When it asks for blocks, nothing is sent but NOTFOUND for what we lack.
        let unknown = SyncFixture.address(0x66)
        let asked = try server.answer(
            .getBlockData([blocks[1].hash, unknown, blocks[0].hash]),
            from: peer,
            chain: engine,
            now: 0
        )
        #expect(asked == [.send(peer.id, .notFound([unknown]))])
        // Then the queue reopening sends them, in request order.
        let resumed = try server.flow(peer, open: true, chain: engine)
        #expect(
            resumed == [.send(peer.id, .block(blocks[1].serialized())), .send(peer.id, .block(blocks[0].serialized()))]
        )

        // While full, at most 1024 blocks wait; the request that goes over is a limit breach.
        _ = try server.flow(peer, open: false, chain: engine)
        let batch = Array(repeating: blocks[2].hash, count: 128)
        for _ in 0..<8 {
            #expect(try server.answer(.getBlockData(batch), from: peer, chain: engine, now: 1) == [])
        }
        let over = try server.answer(.getBlockData([blocks[2].hash]), from: peer, chain: engine, now: 1)
        #expect(over?.contains { if case .penalise(peer.id, _, _) = $0 { true } else { false } } == true)
        #expect(try server.flow(peer, open: true, chain: engine).count == 1_024)
    }
}
