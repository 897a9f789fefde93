import BloomBus
import BloomCore
@testable import BloomSync
import BloomTestSupport
import BloomWire
import Testing

/// The order bloom-sync handles arrivals in (issue 15, GETHEADERS flood): a sealed block that arrives behind a
/// flood of requests is handled first, and requests are answered a turn at a time, one per peer.
@Suite struct SyncInboxTests {
    static let seal = GossipSealed(
        prevHash: Hash256(bytes: [UInt8](repeating: 1, count: 32))!,
        nonce: 7,
        orderParameter: 0.9,
        meanPhase: 1,
        oscillatorCount: 63,
        certificate: [1, 2, 3]
    )

    private func getHeaders(_ peer: UInt64) -> SyncEvent {
        .message(PeerID(rawValue: peer), .getHeaders(HeightRange(startHeight: 0, count: 2000)))
    }

    private func requests(in work: SyncInbox.Work?) -> [SyncEvent]? {
        if case .requests(let events) = work { return events }
        return nil
    }

    @Test func aSealedBlockBehind400Requests_isHandledFirst() {
        var inbox = SyncInbox()
        for _ in 0..<20 {
            for peer in 1...20 { inbox.add(getHeaders(UInt64(peer))) }
        }
        inbox.add(.sealed(Self.seal))
        #expect(inbox.queuedRequests == 400)
        #expect(inbox.take() == .events([.sealed(Self.seal)]))
        // Then the requests, a short turn at a time.
        let turn = requests(in: inbox.take())
        #expect(turn?.count == inbox.maxRequestsPerTurn)
    }

    @Test func aRelayArrivingBetweenTurns_goesBeforeTheNextTurn() {
        var inbox = SyncInbox()
        for peer in 1...10 { inbox.add(getHeaders(UInt64(peer))) }
        #expect(requests(in: inbox.take()) != nil)
        let block = SyncEvent.message(PeerID(rawValue: 99), .block([9, 9, 9]))
        inbox.add(block)
        #expect(inbox.take() == .events([block]))
    }

    @Test func onePeersFlood_doesNotStarveAnother() {
        var inbox = SyncInbox(maxRequestsPerTurn: 2)
        for _ in 0..<50 { inbox.add(getHeaders(1)) }
        inbox.add(getHeaders(2))
        let first = requests(in: inbox.take())
        #expect(first == [getHeaders(1), getHeaders(2)])
        // One request per peer per turn: the flooder's next one comes alone.
        #expect(requests(in: inbox.take()) == [getHeaders(1)])
    }

    @Test func roundRobin_servesEveryPeerBeforeAnyTwice() {
        var inbox = SyncInbox(maxRequestsPerTurn: 2)
        for _ in 0..<3 {
            for peer in 1...3 { inbox.add(getHeaders(UInt64(peer))) }
        }
        var order: [UInt64] = []
        while let turn = requests(in: inbox.take()) {
            for case .message(let peer, _) in turn { order.append(peer.rawValue) }
        }
        #expect(order == [1, 2, 3, 1, 2, 3, 1, 2, 3])
    }

    @Test func aPeerWhoseSendQueueIsFull_waitsUntilItReopens() {
        var inbox = SyncInbox()
        inbox.add(.flow(PeerID(rawValue: 1), open: false))
        inbox.add(getHeaders(1))
        inbox.add(getHeaders(2))
        #expect(inbox.take() == .events([.flow(PeerID(rawValue: 1), open: false)]))
        #expect(requests(in: inbox.take()) == [getHeaders(2)])
        #expect(inbox.take() == nil)
        inbox.add(.flow(PeerID(rawValue: 1), open: true))
        #expect(inbox.take() == .events([.flow(PeerID(rawValue: 1), open: true)]))
        #expect(requests(in: inbox.take()) == [getHeaders(1)])
    }

    /// Issue 15, GETBLOCKDATA flood: a peer whose answers are still pending (or whose credit is used up) gets no new
    /// request handled until the core says so; the others go on.
    @Test func aBusyPeer_waitsForTheCore_otherPeersGoOn() {
        var inbox = SyncInbox()
        let busy = PeerID(rawValue: 1)
        inbox.update(BlockServer.Serving(busy: [busy]))
        inbox.add(getHeaders(1))
        inbox.add(getHeaders(2))
        #expect(requests(in: inbox.take()) == [getHeaders(2)])
        #expect(inbox.take() == nil)
        inbox.update(BlockServer.Serving())
        #expect(requests(in: inbox.take()) == [getHeaders(1)])
    }

    /// A peer the core reports ready (answers pending, room again) is served before its next request is read, in
    /// the round robin with the other peers' requests.
    @Test func aReadyPeer_getsAServeTurnAheadOfItsNextRequest() {
        var inbox = SyncInbox(maxRequestsPerTurn: 2)
        let ready = PeerID(rawValue: 1)
        inbox.add(getHeaders(1))
        inbox.add(getHeaders(2))
        inbox.add(getHeaders(3))
        inbox.update(BlockServer.Serving(busy: [ready], ready: [ready]))
        let first = requests(in: inbox.take())
        #expect(first == [.serve(ready), getHeaders(2)])
        // Served, still busy until the core reports again: peer 3 goes alone.
        #expect(requests(in: inbox.take()) == [getHeaders(3)])
        #expect(inbox.take() == nil)
        inbox.update(BlockServer.Serving())
        #expect(requests(in: inbox.take()) == [getHeaders(1)])
        // A ready peer with no queued request gets its turn too.
        inbox.update(BlockServer.Serving(busy: [PeerID(rawValue: 4)], ready: [PeerID(rawValue: 4)]))
        #expect(requests(in: inbox.take()) == [.serve(PeerID(rawValue: 4))])
        #expect(inbox.take() == nil)
    }

    @Test func aGonePeersRequests_areDropped_andAFullQueueDropsMore() {
        var inbox = SyncInbox(maxQueuedPerPeer: 3)
        for _ in 0..<5 { inbox.add(getHeaders(1)) }
        #expect(inbox.queuedRequests == 3)
        #expect(inbox.dropped == 2)
        inbox.add(.peerGone(PeerID(rawValue: 1)))
        #expect(inbox.queuedRequests == 0)
        #expect(inbox.take() == .events([.peerGone(PeerID(rawValue: 1))]))
        #expect(inbox.take() == nil)
    }

    @Test func answersAndRelays_areTold() {
        #expect(SyncInbox.isRequest(getHeaders(1)))
        #expect(SyncInbox.isRequest(.message(PeerID(rawValue: 1), .getBlockData([Wire32.hash]))))
        #expect(!SyncInbox.isRequest(.message(PeerID(rawValue: 1), .block([1]))))
        #expect(!SyncInbox.isRequest(.sealed(Self.seal)))
    }
}

private enum Wire32 {
    static let hash = Hash256(bytes: [UInt8](repeating: 2, count: 32))!
}

@Suite struct SyncBulkFlagTests {
    @Test func answersArePublishedWithTheBulkFlag_relaysWithout() {
        let hub = InMemoryBusHub()
        let bus = hub.connect(as: SenderID(service: .sync, replica: 0, bootID: 1))
        let peer = PeerID(rawValue: 3)
        SyncBusTranslation.publish(.send(peer, .blocks([])), on: bus, bulk: true)
        SyncBusTranslation.publish(.send(peer, .block([1, 2, 3])), on: bus)
        let flags = hub.history.map { $0.envelope.flags.contains(.bulk) }
        #expect(flags == [true, false])
    }
}

@Suite struct SyncInboxQueueTests {
    @Test func aReaderPastTheBound_goesOnOnceTheCoreTakesWork() async {
        let queue = SyncInboxQueue(maxWaitingEvents: 2)
        let reader = Task { await queue.add([.tick, .tick, .tick]) }
        #expect(await queue.next() == .events([.tick, .tick, .tick]))
        await reader.value
        // Room again: a second add returns without anyone taking work.
        await queue.add([.tick])
        queue.finish()
        #expect(await queue.next() == nil)
    }

    @Test func aPeerBecomingReady_wakesAWaitingWorker() async {
        let queue = SyncInboxQueue()
        let peer = PeerID(rawValue: 5)
        let worker = Task { await queue.next() }
        // Whether the worker is already waiting or not, the serve turn reaches it.
        queue.update(BlockServer.Serving(busy: [peer], ready: [peer]))
        #expect(await worker.value == .requests([.serve(peer)]))
    }

    @Test func finish_releasesAReaderWaitingForRoom() async {
        let queue = SyncInboxQueue(maxWaitingEvents: 1)
        let reader = Task { await queue.add([.tick, .tick]) }
        queue.finish()
        await reader.value
        #expect(await queue.next() == nil)
    }
}
