import BloomBus
import BloomChain
import BloomCore
import BloomSync
import BloomTestSupport
import BloomWire
import Testing

@Suite(.dedicatedThread) struct DownloaderTests {
    static let genesisTip = BloomChain.ChainTip(hash: SyncFixture.genesis.hash, height: 0)
    static let first = SyncPeer(id: PeerID(rawValue: 1), height: 40, services: .node)
    static let second = SyncPeer(id: PeerID(rawValue: 2), height: 40, services: .node)

    /// A downloader with both peers and the headers of `blocks` planned through the first peer.
    private func planned(_ blocks: [Block]) throws -> Downloader {
        var downloader = Downloader(tip: Self.genesisTip)
        downloader.peerConnected(Self.first, now: 0)
        downloader.peerConnected(Self.second, now: 0)
        let actions = downloader.schedule(tip: Self.genesisTip, now: 0)
        guard case .send(let asked, .getHeaders)? = actions.first else {
            Issue.record("expected a GETHEADERS, got \(actions)")
            return downloader
        }
        let outcome = try downloader.headersReceived(
            blocks.map { $0.header.encoded() },
            from: asked,
            isKnown: { $0 == SyncFixture.genesis.hash ? 0 : nil }
        )
        #expect(outcome == .planned(blocks.count))
        return downloader
    }

    private func requested(_ actions: [SyncAction]) -> [PeerID: [Hash256]] {
        var result: [PeerID: [Hash256]] = [:]
        for case .send(let peer, .getBlockData(let hashes)) in actions { result[peer, default: []] += hashes }
        return result
    }

    @Test func schedule_spreadsBodiesOverBothPeers_andNotFoundMovesThemToTheOther() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 40)
        var downloader = try planned(blocks)

        let first = requested(downloader.schedule(tip: Self.genesisTip, now: 1))
        let total = first.values.map(\.count).reduce(0, +)
        #expect(total == 40)
        #expect(first.count == 2)

        // The first peer does not have its share after all.
        let share = first[Self.first.id] ?? []
        downloader.notFound(share, from: Self.first.id)
        let again = requested(downloader.schedule(tip: Self.genesisTip, now: 2))
        #expect(!share.isEmpty)
        #expect(Set(again[Self.second.id] ?? []) == Set(share))
        #expect(again[Self.first.id] == nil)
    }

    @Test func schedule_whenAPeerStaysSilentPastTheTimeout_reassignsItsBlocks() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 40)
        var downloader = try planned(blocks)
        let first = requested(downloader.schedule(tip: Self.genesisTip, now: 1))
        // The second peer delivers everything; the first never answers.
        for hash in first[Self.second.id] ?? [] {
            let bytes = blocks.first { $0.hash == hash }?.serialized() ?? []
            let taken = downloader.blockReceived(hash, bytes: bytes, from: Self.second.id)
            #expect(taken)
        }

        let beforeTimeout = requested(downloader.schedule(tip: Self.genesisTip, now: 10))
        let afterTimeout = requested(downloader.schedule(tip: Self.genesisTip, now: 1 + 16))

        #expect(beforeTimeout.isEmpty)
        #expect(Set(afterTimeout[Self.second.id] ?? []) == Set(first[Self.first.id] ?? []))
    }

    /// The stall seen end to end: bloom-gossip restarted and said hello, bloom-net announced its peer again, and
    /// the heights in flight to it stayed assigned to a peer state that no longer listed them; when bloom-net
    /// restarted next, nothing freed them and the download stopped below them for good.
    @Test func peerAnnouncedAgain_keepsItsRequests_soATimeoutOrDisconnectStillFreesThem() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 40)
        var downloader = try planned(blocks)
        downloader.peerGone(Self.second.id)
        let asked = requested(downloader.schedule(tip: Self.genesisTip, now: 1))[Self.first.id] ?? []
        #expect(!asked.isEmpty)

        // When the same connection is announced again, with a lower VERSION height than it has proved.
        downloader.peerConnected(SyncPeer(id: Self.first.id, height: 1, services: .node), now: 2)
        #expect(downloader.inFlightCount == asked.count)
        #expect(downloader.peer(Self.first.id)?.height == 40)
        #expect(requested(downloader.schedule(tip: Self.genesisTip, now: 3)).isEmpty, "nothing asked twice")

        // Then its disconnect returns every one of its requests, and the next peer gets them all.
        downloader.peerGone(Self.first.id)
        downloader.peerConnected(Self.second, now: 4)
        let reassigned = requested(downloader.schedule(tip: Self.genesisTip, now: 5))[Self.second.id] ?? []
        #expect(Set(asked).isSubset(of: Set(reassigned)))
    }

    /// The second stall seen end to end: a restarted bloom-sync took the HEADERS its predecessor had asked for on
    /// the same connection as the answer to its own request, and planned them 19 heights off.
    @Test func headersReceived_answeringAnotherStart_arePlannedWhereTheyConnect() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 10)
        let stored = Dictionary(uniqueKeysWithValues: blocks.prefix(5).enumerated().map { ($1.hash, UInt32($0 + 1)) })
        var downloader = Downloader(tip: Self.genesisTip)
        let peer = SyncPeer(id: PeerID(rawValue: 7), height: 3, services: .node)
        downloader.peerConnected(peer, now: 0)
        let asked = downloader.schedule(tip: Self.genesisTip, now: 0)
        guard case .send(_, .getHeaders(let range))? = asked.first else {
            Issue.record("expected a GETHEADERS, got \(asked)")
            return
        }
        #expect(range.startHeight == 1)

        // When the answer is the list from height 6 (its first parent is block 5, which the store holds).
        let outcome = try downloader.headersReceived(
            blocks[5...].map { $0.header.encoded() },
            from: peer.id,
            isKnown: { $0 == SyncFixture.genesis.hash ? 0 : stored[$0] }
        )

        // Then blocks 6 to 10 are planned at heights 6 to 10, and the peer is known to have 10.
        #expect(outcome == .planned(5))
        #expect(downloader.targetHeight == 10)
        #expect(downloader.peer(peer.id)?.height == 10)
    }

    @Test func headersReceived_whenTheyDoNotLink_isInvalid_andWhenTheyForkUnknown_backtracks() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 5)
        var downloader = Downloader(tip: Self.genesisTip)
        downloader.peerConnected(Self.first, now: 0)
        _ = downloader.schedule(tip: Self.genesisTip, now: 0)
        let shuffled = [blocks[0], blocks[2], blocks[1]].map { $0.header.encoded() }
        #expect(
            try downloader.headersReceived(shuffled, from: Self.first.id, isKnown: { _ in nil })
                == .invalid("headers do not link")
        )

        downloader.peerConnected(Self.second, now: 0)
        _ = downloader.schedule(tip: Self.genesisTip, now: 1)
        let unknownParent = Array(blocks[1...]).map { $0.header.encoded() }
        let outcome = try downloader.headersReceived(unknownParent, from: Self.second.id, isKnown: { _ in nil })
        #expect(outcome == .notConnected)
    }
}

@Suite(.dedicatedThread) struct DownloaderBufferTests {
    /// A downloader with `DownloaderTests.first` connected and every header of `blocks` received from it.
    static func downloader(
        knowingHeadersOf blocks: [Block],
        _ configuration: Downloader.Configuration
    ) throws -> Downloader {
        let tip = DownloaderTests.genesisTip
        let peer = DownloaderTests.first
        var downloader = Downloader(tip: tip, configuration: configuration)
        downloader.peerConnected(peer, now: 0)
        _ = downloader.schedule(tip: tip, now: 0)
        _ = try downloader.headersReceived(
            blocks.map { $0.header.encoded() },
            from: peer.id,
            isKnown: { $0 == SyncFixture.genesis.hash ? 0 : nil }
        )
        return downloader
    }

    @Test func schedule_whenWaitingBodiesPassTheByteBound_requestsOnlyTheHeightsJustAboveTheGap() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 40)
        var configuration = Downloader.Configuration()
        configuration.perPeerInFlight = 4
        configuration.maxBufferedBytes = 1
        let tip = DownloaderTests.genesisTip
        let peer = DownloaderTests.first
        var downloader = try Self.downloader(knowingHeadersOf: blocks, configuration)
        let first = downloader.schedule(tip: tip, now: 1)
        #expect(first == [.send(peer.id, .getBlockData(blocks[0..<4].map(\.hash)))])

        // Heights 2…4 arrive, height 1 does not: they wait, over the byte bound.
        for block in blocks[1..<4] {
            let taken = downloader.blockReceived(block.hash, bytes: block.serialized(), from: peer.id)
            #expect(taken)
        }
        let next = downloader.schedule(tip: tip, now: 2)

        // Only height 5 (within one batch of the gap at height 1) is asked for, not 5…7.
        #expect(next == [.send(peer.id, .getBlockData([blocks[4].hash]))])
        #expect(downloader.takeReady() == nil)
    }

    @Test func schedule_keepsTheBytesInFlightUnderTheBound_fromTheAssumedSizeThenTheAverageReceived() throws {
        let blocks = SyncFixture.chain(on: SyncFixture.genesis, parentHeight: 0, count: 40)
        let size = blocks[0].serialized().count
        var configuration = Downloader.Configuration()
        configuration.perPeerInFlight = 32
        // Room for 8 bodies of the fixture's size (with slack for sizes a few bytes apart), 4 of the assumed one.
        configuration.perPeerInFlightBytes = 8 * size + size / 2
        configuration.assumedBodySize = 2 * size
        let tip = DownloaderTests.genesisTip
        let peer = DownloaderTests.first
        var downloader = try Self.downloader(knowingHeadersOf: blocks, configuration)

        // Before any body arrived, the assumed size allows 4 in flight, not 32.
        let first = downloader.schedule(tip: tip, now: 1)
        #expect(first == [.send(peer.id, .getBlockData(blocks[0..<4].map(\.hash)))])

        // When they arrive, the average is the real size: 8 may be in flight.
        for block in blocks[0..<4] {
            let taken = downloader.blockReceived(block.hash, bytes: block.serialized(), from: peer.id)
            #expect(taken)
        }
        let next = downloader.schedule(tip: tip, now: 2)
        #expect(next == [.send(peer.id, .getBlockData(blocks[4..<12].map(\.hash)))])
    }
}
