import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import BloomWire
import Testing

@Suite(.dedicatedThread) struct SyncCoreTests {
    static func makeCore(download: Downloader.Configuration = .init()) throws -> SyncCore {
        let engine = try ChainEngine(store: SQLiteChainStore.inMemory(), genesis: SyncFixture.genesis)
        return SyncCore(engine: engine, rewardAddress: SyncFixture.bob, download: download)
    }

    @Test func ibd_fromAPeer500Ahead_withAStallingPeerAndALiar_reachesThePeersTip() throws {
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 500)
        let honest = try SimulatedPeer(id: 1, blocks: chain)
        let staller = try SimulatedPeer(id: 2, blocks: chain, behaviour: .stalling)
        let liar = try SimulatedPeer(id: 3, blocks: Array(chain.prefix(20)), claimedHeight: 9_000)
        var network = SimulatedNetwork(core: try Self.makeCore(), peers: [honest, staller, liar])

        try network.run { $0.tip.height == 500 }

        #expect(network.core.tip == honest.engine.tip)
        #expect(!network.core.progress.isSyncing)
        #expect(network.core.knownPeers.first { $0.id == liar.info.id }?.height ?? .max < 9_000)
        // The staller was asked and never answered; the chain still completed.
        #expect(!staller.received.isEmpty)
        #expect(network.other.contains(.publishTip(try network.core.announcedTip())))
        #expect(!network.other.contains { if case .penalise = $0 { true } else { false } })
        #expect(try network.core.engine.store.quickCheck().isEmpty)
    }

    @Test func ibd_fromAReferenceProtocolPeer_usesGetBlocksAndGetDataOnly() throws {
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 30)
        let reference = try SimulatedPeer(id: 7, blocks: chain, services: [.blockServe])
        var network = SimulatedNetwork(core: try Self.makeCore(), peers: [reference])

        try network.run { $0.tip.height == 30 }

        #expect(network.core.tip == reference.engine.tip)
        for message in reference.received {
            switch message {
            case .getBlocks, .getData: break
            default: Issue.record("sent \(message.type) to a reference-protocol peer")
            }
        }
        let listRequests = reference.received.filter { if case .getBlocks = $0 { true } else { false } }
        #expect(listRequests.count <= 10)
    }

    @Test func ibd_whenAPeerSendsAnInvalidBlock_penalisesItAndCompletesFromAnother() throws {
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 40)
        let honest = try SimulatedPeer(id: 1, blocks: chain)
        var network = SimulatedNetwork(core: try Self.makeCore(), peers: [honest])
        // A block whose Merkle root does not match its transactions, sent unsolicited by peer 9.
        var broken = FixtureBlocks.child(of: chain[39].header, height: 41, rewardAddress: SyncFixture.alice)
        broken.header.merkleRoot = .zero
        let liarID = PeerID(rawValue: 9)

        try network.run { $0.tip.height == 40 }
        let actions = try network.core.handle(
            [.message(liarID, .block(broken.serialized()))],
            now: network.now,
            wallClock: SyncFixture.now
        )

        #expect(actions.contains { if case .penalise(liarID, _, _) = $0 { true } else { false } })
        #expect(network.core.tip.height == 40)
    }

    @Test func newBlock_isRelayedOnlyAfterCommit_toPeersThatLackIt_andPublishedAsTip() throws {
        let core = try Self.makeCore()
        let sender = SyncPeer(id: PeerID(rawValue: 1), height: 0, services: .node)
        let other = SyncPeer(id: PeerID(rawValue: 2), height: 0, services: .node)
        let block = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 1)[0]
        _ = try core.handle([.peerConnected(sender), .peerConnected(other)], now: 0, wallClock: SyncFixture.now)

        let actions = try core.handle(
            [.message(sender.id, .block(block.serialized()))],
            now: 1,
            wallClock: SyncFixture.now
        )

        #expect(actions.contains(.send(other.id, .block(block.serialized()))))
        #expect(!actions.contains(.send(sender.id, .block(block.serialized()))))
        let announced = BloomBus.ChainTip(
            height: 1,
            hash: block.hash,
            parentHash: SyncFixture.genesis.hash,
            certificateHash: block.certificate.digest
        )
        #expect(actions.last == .publishTip(announced))
        // Committed: the store outside any batch holds it.
        #expect(!core.engine.store.isBatching)
        #expect(try core.engine.store.entry(block.hash) != nil)
    }

    @Test func transaction_fromAPeer_isPooledAndRelayedOnceExceptToItsSender() throws {
        let core = try Self.makeCore()
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 2)
        for block in blocks {
            _ = try core.handle(
                [.message(PeerID(rawValue: 5), .block(block.serialized()))],
                now: 0,
                wallClock: SyncFixture.now
            )
        }
        let tx = SyncFixture.pay(
            SyncFixture.coinbaseOutput(of: blocks[0]),
            amount: SyncFixture.reward(1),
            to: SyncFixture.bob
        )
        let sender = PeerID(rawValue: 5)

        let first = try core.handle([.message(sender, .tx(tx.serialized()))], now: 1, wallClock: SyncFixture.now)
        let again = try core.handle([.message(sender, .tx(tx.serialized()))], now: 2, wallClock: SyncFixture.now)

        #expect(first == [.broadcast(.tx(tx.serialized()), except: sender)])
        #expect(again.isEmpty)
        #expect(core.mempool.contains(tx.txid))
    }

    @Test func sealed_buildsAValidBlockOnTheTip_withMempoolTransactionsAndTheReward() throws {
        let core = try Self.makeCore()
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 2)
        for block in blocks {
            _ = try core.handle(
                [.message(PeerID(rawValue: 5), .block(block.serialized()))],
                now: 0,
                wallClock: SyncFixture.now
            )
        }
        let tx = SyncFixture.pay(
            SyncFixture.coinbaseOutput(of: blocks[0]),
            amount: SyncFixture.reward(1),
            to: SyncFixture.alice
        )
        _ = try core.handle([.message(PeerID(rawValue: 5), .tx(tx.serialized()))], now: 1, wallClock: SyncFixture.now)
        let certificate = FixtureBlocks.certificate()
        let seal = GossipSealed(
            prevHash: core.tip.hash,
            nonce: 7,
            orderParameter: certificate.rValues.last ?? 0,
            meanPhase: certificate.psiValues.last ?? 0,
            oscillatorCount: certificate.oscillatorCount,
            certificate: certificate.encoded()
        )
        let parentTimestamp = blocks[1].header.timestamp

        let actions = try core.handle([.sealed(seal)], now: 2, wallClock: parentTimestamp - 100)

        #expect(core.tip.height == 3)
        let bytes = try #require(try core.engine.blockBytes(core.tip.hash))
        let block = try Block(decoding: bytes)
        #expect(block.header.timestamp == parentTimestamp + 1)
        #expect(
            block.transactions.map(\.txid) == [
                Transaction.coinbase(height: 3, address: SyncFixture.bob, fees: 0, extraData: []).txid, tx.txid,
            ]
        )
        #expect(actions.contains(.publishTip(try core.announcedTip())))
        #expect(actions.contains(.broadcast(.block(bytes), except: nil)))
        #expect(!core.mempool.contains(tx.txid))
        // An independent engine (the reference rules as written in BloomChain) accepts the same bytes.
        let checker = try ChainEngine(store: InMemoryChainStore(), genesis: SyncFixture.genesis)
        for block in blocks { _ = try checker.submit(block.serialized(), now: SyncFixture.now) }
        #expect(try checker.submit(bytes, now: SyncFixture.now).verdict == .accept)

        // A seal for an old tip is dropped.
        let stale = try core.handle([.sealed(seal)], now: 3, wallClock: SyncFixture.now)
        #expect(stale.isEmpty && core.tip.height == 3)
    }

    @Test func reorganization_returnsDisconnectedTransactionsToTheMempool() throws {
        let core = try Self.makeCore()
        let peer = PeerID(rawValue: 5)
        let base = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 2)
        let tx = SyncFixture.pay(
            SyncFixture.coinbaseOutput(of: base[0]),
            amount: SyncFixture.reward(1),
            to: SyncFixture.bob
        )
        let third = FixtureBlocks.child(
            of: base[1].header,
            height: 3,
            rewardAddress: SyncFixture.alice,
            transfers: [tx]
        )
        let branch = SyncFixture.chain(on: base[1], parentHeight: 2, count: 2, reward: SyncFixture.bob, nonce: 9)
        for block in base + [third] + branch {
            _ = try core.handle([.message(peer, .block(block.serialized()))], now: 0, wallClock: SyncFixture.now)
        }
        #expect(core.tip.hash == branch[1].hash)
        #expect(core.mempool.contains(tx.txid))
    }
}

@Suite(.dedicatedThread) struct SyncCorePeerTests {
    @Test func peerConnected_fromARestartedNetReplica_forgetsThePeersOfItsOldBoot() throws {
        let core = try SyncCoreTests.makeCore()
        let old = SyncPeer(id: PeerID(replica: 0, bootID: 1, counter: 1), height: 5, services: .node)
        let otherReplica = SyncPeer(id: PeerID(replica: 1, bootID: 1, counter: 1), height: 5, services: .node)
        let fresh = SyncPeer(id: PeerID(replica: 0, bootID: 2, counter: 1), height: 0, services: .node)

        _ = try core.handle([.peerConnected(old), .peerConnected(otherReplica)], now: 0, wallClock: SyncFixture.now)
        _ = try core.handle([.peerConnected(fresh)], now: 1, wallClock: SyncFixture.now)

        #expect(Set(core.knownPeers.map(\.id)) == [otherReplica.id, fresh.id])
    }
}

@Suite(.dedicatedThread) struct SyncCoreForkTests {
    @Test func ibd_whenThePeersLongerChainForksBelowOurTip_fetchesTheBranchAndReorganizes() throws {
        // Given a node holding A1…A10, and a peer whose chain shares A1…A7 and continues with B8…B15.
        let shared = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 7)
        let ours = SyncFixture.chain(on: shared[6], parentHeight: 7, count: 3)
        let theirs = SyncFixture.chain(on: shared[6], parentHeight: 7, count: 8, reward: SyncFixture.bob, nonce: 5)
        let core = try SyncCoreTests.makeCore()
        for block in shared + ours {
            _ = try core.handle(
                [.message(PeerID(rawValue: 8), .block(block.serialized()))],
                now: 0,
                wallClock: SyncFixture.now
            )
        }
        #expect(core.tip.height == 10)
        let peer = try SimulatedPeer(id: 1, blocks: shared + theirs)
        var network = SimulatedNetwork(core: core, peers: [peer])

        // When it syncs from the peer.
        try network.run { $0.tip == peer.engine.tip }

        // Then it took the peer's branch.
        #expect(core.tip == peer.engine.tip)
        #expect(try core.engine.hash(atHeight: 8) == theirs[0].hash)
        #expect(!network.other.contains { if case .penalise = $0 { true } else { false } })
    }

    @Test func ibd_fromAReferencePeerOnAFork_followsOrphansBackToTheForkPoint() throws {
        let shared = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 4)
        let ours = SyncFixture.chain(on: shared[3], parentHeight: 4, count: 2)
        let theirs = SyncFixture.chain(on: shared[3], parentHeight: 4, count: 4, reward: SyncFixture.bob, nonce: 5)
        let core = try SyncCoreTests.makeCore()
        for block in shared + ours {
            _ = try core.handle(
                [.message(PeerID(rawValue: 8), .block(block.serialized()))],
                now: 0,
                wallClock: SyncFixture.now
            )
        }
        #expect(core.tip.height == 6)
        let peer = try SimulatedPeer(id: 1, blocks: shared + theirs, services: [.blockServe])
        var network = SimulatedNetwork(core: core, peers: [peer])

        try network.run { $0.tip == peer.engine.tip }

        #expect(core.tip == peer.engine.tip)
    }
}

@Suite(.dedicatedThread) struct SyncCoreRelayTests {
    @Test func ibd_doesNotRelayOldBlocksToOtherPeers_butRelaysOnceCaughtUp() throws {
        let chain = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 100)
        let source = try SimulatedPeer(id: 1, blocks: chain)
        let newcomer = try SimulatedPeer(id: 2, blocks: [])
        var network = SimulatedNetwork(core: try SyncCoreTests.makeCore(), peers: [source, newcomer])

        try network.run { $0.tip.height == 100 }

        let relayed = newcomer.received.compactMap { message -> Hash256? in
            guard case .block(let bytes) = message else { return nil }
            return try? Block(decoding: bytes).hash
        }
        // Only the last blocks, within the relay lag of the target, went to the newcomer.
        #expect(!relayed.isEmpty)
        #expect(relayed.count <= Int(SyncCore.relayLag) + 1)
        #expect(relayed.last == chain.last?.hash)
    }
}

@Suite(.dedicatedThread) struct SyncCoreExpectTests {
    @Test func expect_fromAnAnnouncerWeThoughtLevel_asksItForHeadersAboveOurTip_andAReferencePeerIsNotAsked() throws {
        let core = try SyncCoreTests.makeCore()
        let bulk = SyncPeer(id: PeerID(rawValue: 1), height: 0, services: .node)
        let reference = SyncPeer(id: PeerID(rawValue: 2), height: 0, services: [])
        _ = try core.handle([.peerConnected(bulk), .peerConnected(reference)], now: 0, wallClock: SyncFixture.now)
        let certificate = SyncFixture.address(0xCE)

        let fromBulk = try core.handle(
            [.expect(GossipExpect(announcer: bulk.id, certificateHash: certificate))],
            now: 1,
            wallClock: SyncFixture.now
        )
        let fromReference = try core.handle(
            [.expect(GossipExpect(announcer: reference.id, certificateHash: certificate))],
            now: 2,
            wallClock: SyncFixture.now
        )

        #expect(fromBulk == [.send(bulk.id, .getHeaders(HeightRange(startHeight: 1, count: 1)))])
        #expect(fromReference.isEmpty)
    }
}

@Suite struct SyncProgressTests {
    @Test func aDownloadThatStalls_forMinutes_hasNoRateAndNoETA_ratherThanAnEverGrowingOne() throws {
        // Given a download that connected one block from a peer 5 ahead.
        let core = try SyncCoreTests.makeCore()
        let block = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 1)[0]
        let peer = SyncPeer(id: PeerID(rawValue: 7), height: 5, services: .node)
        _ = try core.handle([.peerConnected(peer)], now: 0, wallClock: SyncFixture.now)
        _ = try core.handle([.message(peer.id, .block(block.serialized()))], now: 0.5, wallClock: SyncFixture.now)
        _ = try core.handle([.tick], now: 1.5, wallClock: SyncFixture.now)
        #expect(core.progress.blocksPerSecond > 0)

        // When nothing arrives for half an hour of ticks.
        for second in 2...1_800 { _ = try core.handle([.tick], now: Double(second), wallClock: SyncFixture.now) }

        // Then the rate is 0 and the ETA unknown (a vanishing rate made the ETA overflow the log's Int).
        #expect(core.progress.isSyncing)
        #expect(core.progress.blocksPerSecond == 0)
        #expect(core.progress.etaSeconds == nil)
    }
}
