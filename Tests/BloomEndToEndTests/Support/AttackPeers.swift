import BloomBus
import BloomCore
import BloomWire
import Foundation

/// The honest peer of the attack tests: reads its connection on a thread of its own for the whole test, noting
/// when each block arrived (by hash), the longest gap between two blocks, and every BLOOM payload it got.
final class HonestPeer: @unchecked Sendable {
    let peer: RawPeer
    private let lock = NSLock()
    private var running = true
    private var blockCount = 0
    private var isClosed = false
    private var lastBlock: Date?
    private var maxGap = 0.0
    private var arrivals: [Hash256: Date] = [:]
    private var blooms: [[UInt8]: Int] = [:]
    private var thread: Thread?

    init(_ peer: RawPeer) { self.peer = peer }

    var blocks: Int { lock.withLock { blockCount } }
    var closed: Bool { lock.withLock { isClosed } }

    /// When the block `hash` first arrived, if it did.
    func arrival(of hash: Hash256) -> Date? { lock.withLock { arrivals[hash] } }

    /// Hashes of the blocks received so far, in no order.
    var receivedHashes: [Hash256] { lock.withLock { Array(arrivals.keys) } }

    /// How many times a BLOOM with exactly this payload arrived.
    func bloomCount(_ payload: [UInt8]) -> Int { lock.withLock { blooms[payload] ?? 0 } }

    /// The longest gap between two blocks since the last call.
    func takeMaxGap() -> Double {
        lock.withLock {
            defer { maxGap = 0 }
            return maxGap
        }
    }

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                guard let frames = try? peer.receive() else {
                    lock.withLock { isClosed = true }
                    return
                }
                let now = Date()
                for frame in frames {
                    if frame.type == .bloom {
                        lock.withLock { blooms[frame.payload, default: 0] += 1 }
                    }
                    guard frame.type == .block else { continue }
                    let hash = try? BlockHeader(decoding: frame.payload.prefix(BlockHeader.size)).hash
                    lock.withLock {
                        if let last = lastBlock { maxGap = max(maxGap, now.timeIntervalSince(last)) }
                        lastBlock = now
                        blockCount += 1
                        if let hash, arrivals[hash] == nil { arrivals[hash] = now }
                    }
                }
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() { lock.withLock { running = false } }
}

/// Listens on the node's own bus for `chain.tip` and notes when each new tip was announced: the start of a
/// block's trip to the honest peer (bloom-sync publishes the tip right after the block's relay). It also counts the
/// BLOOM frames bloom-net hands to the bus.
///
/// A plain SUB socket read by a thread of its own, not a ``BusClient`` consumed by a task: the cooperative pool is
/// two threads here, and the end-to-end suites block them, so a task would note the tips seconds late.
final class TipTap: @unchecked Sendable {
    private static let bloomIn = Topic.p2pIn(messageType: MessageType.bloom.rawValue)
    private let context: ZMQContext
    private let lock = NSLock()
    private var announced: [(hash: Hash256, height: UInt32, at: Date)] = []
    private var delivered = 0
    private var running = true
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(node: E2ENode) throws {
        context = try ZMQContext.make()
        let socket = try context.makeSocket(.sub)
        try socket.setOption(.receiveTimeout, 100)
        try socket.setOption(.linger, 0)
        // No high-water mark of our own: a burst of replays should not be dropped here.
        try socket.setOption(.receiveHighWaterMark, 0)
        try socket.connect(try BusEndpoints.defaults(dataDirectory: node.dataDirectory).subscribe)
        try socket.subscribe(Topic.chainTip.frame)
        // Only replays travel there.
        try socket.subscribe(Self.bloomIn.frame)
        let thread = Thread { [self] in
            defer { finished.signal() }
            while lock.withLock({ running }) {
                guard let frames = try? socket.receive(), let message = try? BusMessage(frames: frames) else { continue }
                note(message)
            }
        }
        self.thread = thread
        thread.start()
    }

    private func note(_ message: BusMessage) {
        let now = Date()
        switch message.topic {
        case .chainTip:
            guard let tip = try? message.decode(ChainTip.self) else { return }
            lock.withLock { announced.append((tip.hash, tip.height, now)) }
        case Self.bloomIn:
            lock.withLock { delivered += 1 }
        default:
            break
        }
    }

    /// Waits until the tap hears a tip (its subscriptions reached the forwarder; the node mines about once a second).
    func joined(log node: E2ENode) async throws {
        try await eventually("the tap hears a chain.tip", timeout: 60, log: node) {
            lock.withLock { !announced.isEmpty }
        }
    }

    /// BLOOM frames bloom-net handed to the bus (`p2p.in.BLOOM`) so far.
    var bloomsDelivered: Int { lock.withLock { delivered } }

    /// Tips announced at or after `since`.
    func tips(since: Date) -> [(hash: Hash256, height: UInt32, at: Date)] {
        lock.withLock { announced.filter { $0.at >= since } }
    }

    func stop() {
        guard lock.withLock({ defer { running = false }; return running }) else { return }
        finished.wait()
        context.shutdown()
    }
}
