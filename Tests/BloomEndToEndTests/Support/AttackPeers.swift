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
/// block's trip to the honest peer (bloom-sync publishes the tip right after the block's relay).
final class TipTap: @unchecked Sendable {
    private let context: ZMQContext
    private let client: BusClient
    private let lock = NSLock()
    private var announced: [(hash: Hash256, height: UInt32, at: Date)] = []
    private var delivered = 0
    private var task: Task<Void, Never>?

    init(node: E2ENode) throws {
        context = try ZMQContext.make()
        client = try BusClient(
            endpoints: try BusEndpoints.defaults(dataDirectory: node.dataDirectory),
            sender: SenderID(service: .test, replica: 0, bootID: UInt32.random(in: 1...0x00FF_FFFF)),
            context: context
        )
        client.subscribe(.chainTip)
        // From the start, not when the replay scenario begins: a subscription made later reaches the forwarder some
        // time after (ZeroMQ's slow joiner), and the first replays would go uncounted. Only replays travel there.
        client.subscribe(Self.bloomIn)
        let client = client
        task = Task { [weak self] in
            for await message in client.messages { self?.note(message) }
        }
    }

    private static let bloomIn = Topic.p2pIn(messageType: MessageType.bloom.rawValue)

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

    /// BLOOM frames bloom-net handed to the bus (`p2p.in.BLOOM`) so far.
    var bloomsDelivered: Int { lock.withLock { delivered } }

    /// Waits until the bus delivers to the tap.
    func joined() async throws { try await client.joined(timeout: .seconds(60)) }

    /// Tips announced at or after `since`.
    func tips(since: Date) -> [(hash: Hash256, height: UInt32, at: Date)] {
        lock.withLock { announced.filter { $0.at >= since } }
    }

    func stop() {
        task?.cancel()
        _ = client.stopAndWait()
        context.shutdown()
    }
}
