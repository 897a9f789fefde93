import BloomCore
import BloomBus
import BloomWire

/// The order in which bloom-sync handles what arrives: relays before bulk answers (issue 15; issue 14 item 2).
///
/// Before, every message already received was one batch, handled in arrival order in one store transaction, and
/// its actions published after it: a sealed block behind 400 GETHEADERS waited for 400 header reads (seconds in
/// a debug build) before bloom-net saw it. Now:
///
/// - everything that is not a peer's request (a block sealed here or sent by a peer, a transaction, peer and flow
///   events, lists, expectations) goes first, all of it in one batch;
/// - requests (GETBLOCKS, GETDATA, GETHEADERS, GETBLOCKDATA) wait in one queue per peer and are answered a turn at
///   a time, at most one request per peer per turn and at most ``maxRequestsPerTurn`` in all (round robin), so a
///   relay waits behind one short turn at most, and one peer's flood cannot starve another peer's requests;
/// - a peer whose send queue bloom-net reported full (`p2p.flow`) is not served until it reopens (Bitcoin Core
///   does not process a peer's messages while its send buffer is full); at most ``maxQueuedPerPeer`` of its
///   requests wait, later ones are dropped and counted (bloom-net's limits keep an honest peer far below it:
///   500 offered GETDATA and 1024 bulk blocks outstanding);
/// - likewise a peer the core reports busy (``update(_:)``: answers still pending in its ``BlockServer``, or its
///   answer credit used up) gets no new request until it is not; a peer reported ready (pending answers and room
///   again) gets a ``SyncEvent/serve(_:)`` turn, in the same round robin, ahead of its next request (Bitcoin
///   Core finishes a peer's getdata queue before it reads the peer's next message).
///
/// A pure value: the service feeds it and takes work from it; tests drive it directly.
public struct SyncInbox: Sendable {
    /// What to hand the core next.
    public enum Work: Sendable, Hashable {
        /// Everything but requests, in arrival order.
        case events([SyncEvent])
        /// Requests of one turn: their answers are bulk (`p2p.out` with the bulk flag).
        case requests([SyncEvent])
    }

    /// Requests answered in one turn (one per peer).
    public var maxRequestsPerTurn: Int
    /// Requests kept per peer while it waits; more are dropped.
    public var maxQueuedPerPeer: Int

    private var urgent: [SyncEvent] = []
    private var queues: [PeerID: [SyncEvent]] = [:]
    /// Peers with queued requests, in the order their turns come.
    private var turns: [PeerID] = []
    private var paused: Set<PeerID> = []
    /// Peers whose requests wait for the core (answers pending, no credit).
    private var busy: Set<PeerID> = []
    /// Peers due a ``SyncEvent/serve(_:)`` turn.
    private var ready: Set<PeerID> = []
    /// Requests dropped because their peer's queue was full.
    public private(set) var dropped = 0

    /// An empty inbox.
    public init(maxRequestsPerTurn: Int = 4, maxQueuedPerPeer: Int = 2048) {
        self.maxRequestsPerTurn = max(1, maxRequestsPerTurn)
        self.maxQueuedPerPeer = max(1, maxQueuedPerPeer)
    }

    /// Non-request events waiting (all handed out by the next ``take()``).
    public var waitingEvents: Int { urgent.count }

    /// Requests waiting, all peers together.
    public var queuedRequests: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// Whether a peer's request: answered from the store, in turns.
    public static func isRequest(_ event: SyncEvent) -> Bool {
        if case .serve = event { return true }
        guard case .message(_, let message) = event else { return false }
        switch message {
        case .getBlocks, .getData, .getHeaders, .getBlockData: return true
        default: return false
        }
    }

    /// The core's serving state after its last call (``BlockServer/serving``): who waits, who can be served.
    public mutating func update(_ serving: BlockServer.Serving) {
        busy = serving.busy
        ready = serving.ready
        for peer in ready where !turns.contains(peer) { turns.append(peer) }
    }

    /// Files one arriving event.
    public mutating func add(_ event: SyncEvent) {
        switch event {
        case .serve(let peer):
            // A serve turn asked for directly: as if the core had reported the peer ready.
            ready.insert(peer)
            if !turns.contains(peer) { turns.append(peer) }
            return
        case .message(let peer, _) where Self.isRequest(event):
            var queue = queues[peer] ?? []
            guard queue.count < maxQueuedPerPeer else {
                dropped += 1
                return
            }
            if queue.isEmpty && !turns.contains(peer) { turns.append(peer) }
            queue.append(event)
            queues[peer] = queue
            return
        case .flow(let peer, let open):
            if open { paused.remove(peer) } else { paused.insert(peer) }
        case .peerGone(let peer):
            // Its answers would go nowhere.
            queues[peer] = nil
            turns.removeAll { $0 == peer }
            paused.remove(peer)
            busy.remove(peer)
            ready.remove(peer)
        default:
            break
        }
        urgent.append(event)
    }

    /// Files arriving events in order.
    public mutating func add(_ events: [SyncEvent]) {
        for event in events { add(event) }
    }

    /// The next work: every waiting non-request event if there is one, else one turn of requests (a serve turn
    /// for a ready peer, else its next request if it is neither paused nor busy), else nil.
    public mutating func take() -> Work? {
        if !urgent.isEmpty {
            defer { urgent = [] }
            return .events(urgent)
        }
        var turn: [SyncEvent] = []
        var served: [PeerID] = []
        var index = 0
        while index < turns.count && turn.count < maxRequestsPerTurn {
            let peer = turns[index]
            if ready.remove(peer) != nil {
                turn.append(.serve(peer))
            } else if !paused.contains(peer), !busy.contains(peer), var queue = queues[peer], !queue.isEmpty {
                turn.append(queue.removeFirst())
                queues[peer] = queue.isEmpty ? nil : queue
            } else {
                index += 1
                continue
            }
            served.append(peer)
            turns.remove(at: index)
        }
        // Peers with nothing left to do leave the round; the peers served go to the back, behind those not served.
        turns.removeAll { queues[$0] == nil && !ready.contains($0) }
        for peer in served where queues[peer] != nil || ready.contains(peer) { turns.append(peer) }
        return turn.isEmpty ? nil : .requests(turn)
    }
}

/// A ``SyncInbox`` shared by the task that reads the bus and the task that hands work to the core.
///
/// The reader empties the bus client as fast as it delivers, so the bus's own bound on undelivered messages no
/// longer holds bloom-sync's memory; this does instead: past ``maxWaitingEvents`` events waiting for the core, the
/// reader stops taking more until the core takes them (messages then wait in the bus client and ZeroMQ, and are
/// dropped and counted past its high-water mark, as before). Requests are bounded per peer by the inbox.
final class SyncInboxQueue: Sendable {
    private struct State: Sendable {
        var inbox: SyncInbox
        var waiter: CheckedContinuation<SyncInbox.Work?, Never>?
        var roomWaiter: CheckedContinuation<Void, Never>?
        var finished = false
    }

    /// Events (not counting requests) that may wait for the core before the reader pauses.
    let maxWaitingEvents: Int
    private let state: Locked<State>

    init(_ inbox: SyncInbox = SyncInbox(), maxWaitingEvents: Int = 10_000) {
        state = Locked(State(inbox: inbox))
        self.maxWaitingEvents = max(1, maxWaitingEvents)
    }

    /// Files arriving events and wakes the worker if it waits; returns once there is room for more.
    func add(_ events: [SyncEvent]) async {
        let wake = state.withLock { state -> (CheckedContinuation<SyncInbox.Work?, Never>, SyncInbox.Work)? in
            state.inbox.add(events)
            guard let waiter = state.waiter, let work = state.inbox.take() else { return nil }
            state.waiter = nil
            return (waiter, work)
        }
        if let (waiter, work) = wake { waiter.resume(returning: work) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let room = state.withLock { state -> Bool in
                if state.finished || state.inbox.waitingEvents < maxWaitingEvents { return true }
                state.roomWaiter = continuation
                return false
            }
            if room { continuation.resume() }
        }
    }

    /// The core's serving state after a call: wakes the worker if a peer became ready.
    func update(_ serving: BlockServer.Serving) {
        let wake = state.withLock { state -> (CheckedContinuation<SyncInbox.Work?, Never>, SyncInbox.Work)? in
            state.inbox.update(serving)
            guard let waiter = state.waiter, let work = state.inbox.take() else { return nil }
            state.waiter = nil
            return (waiter, work)
        }
        if let (waiter, work) = wake { waiter.resume(returning: work) }
    }

    /// No more events: the worker's wait ends with nil (what is still queued is dropped, as messages still in the
    /// bus were before), and a reader waiting for room goes on.
    func finish() {
        let (waiter, roomWaiter) = state.withLock { state in
            state.finished = true
            defer {
                state.waiter = nil
                state.roomWaiter = nil
            }
            return (state.waiter, state.roomWaiter)
        }
        waiter?.resume(returning: nil)
        roomWaiter?.resume()
    }

    /// The next work, waiting for it; nil once finished or cancelled.
    func next() async -> SyncInbox.Work? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (now, room) = state.withLock { state -> (SyncInbox.Work??, CheckedContinuation<Void, Never>?) in
                    if state.finished { return (.some(nil), nil) }
                    guard let work = state.inbox.take() else {
                        state.waiter = continuation
                        return (nil, nil)
                    }
                    // Taking work made room: a paused reader goes on.
                    defer { state.roomWaiter = nil }
                    return (.some(work), state.roomWaiter)
                }
                room?.resume()
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Requests dropped so far because a peer's queue was full.
    var dropped: Int { state.withLock { $0.inbox.dropped } }
}
