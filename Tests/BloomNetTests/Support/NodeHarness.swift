import BloomBus
import BloomNet
import BloomWire
import Foundation
import NIOPosix

/// Records every event the node reports; tests wait for the one they expect (bounded by a generous deadline, so
/// a failure ends the test instead of hanging it; nothing asserts on how long anything took).
final class RecordingSink: NetEventSink, @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [NetEvent] = []

    func handle(_ event: NetEvent) {
        condition.lock()
        events.append(event)
        condition.broadcast()
        condition.unlock()
    }

    var all: [NetEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events
    }

    /// Waits until `predicate` holds for the events so far; returns its value (nil if it never held).
    func wait<T>(deadline seconds: Double = 15, _ predicate: ([NetEvent]) -> T?) -> T? {
        let limit = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = predicate(events) { return value }
            guard condition.wait(until: limit) else { return predicate(events) }
        }
    }

    /// The id of the first connected peer matching `address`.
    func connected(address: String) -> PeerID? {
        wait { events in
            for case .connected(let snapshot, _) in events where snapshot.address == address {
                return PeerID(hex: snapshot.id)
            }
            return nil
        }
    }

    /// The disconnect reason of `id`.
    func disconnected(_ id: PeerID) -> DisconnectReason? {
        wait { events in
            for case .disconnected(let peer, _, let reason) in events where peer == id { return reason }
            return nil
        }
    }

    /// Messages from `id`, once at least `count` have arrived.
    func messages(from id: PeerID, atLeast count: Int) -> [Frame]? {
        wait { events in
            var frames: [Frame] = []
            for case .message(let peer, let frame) in events where peer == id { frames.append(frame) }
            return frames.count >= count ? frames : nil
        }
    }

    /// Messages from `id` up to and including the first of `type`.
    func messages(from id: PeerID, through type: MessageType) -> [Frame]? {
        wait { events in
            var frames: [Frame] = []
            for case .message(let peer, let frame) in events where peer == id {
                frames.append(frame)
                if frame.type == type { return frames }
            }
            return nil
        }
    }
}

/// One bloom-net node on its own loopback address, on a one-thread event loop group.
final class NodeHarness {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let sink = RecordingSink()
    let node: NetNode
    let host: String
    let port: Int

    init(host: String, port: Int = 0, configure: (inout NetConfiguration) -> Void = { _ in }) throws {
        var configuration = NetConfiguration()
        configuration.bindHost = host
        configuration.port = port
        configuration.tickInterval = 0.05
        configure(&configuration)
        self.host = host
        node = NetNode(configuration: configuration, eventLoop: group.next(), sink: sink)
        self.port = try node.start().wait()
    }

    private var stopped = false

    func stop() {
        guard !stopped else { return }
        stopped = true
        try? node.shutdown().wait()
        try? group.syncShutdownGracefully()
    }

    deinit { stop() }

    /// A peer from `from` that has completed the Swift handshake, and its id on the node.
    func handshakenPeer(from: String, port: UInt32 = 9_000, services: ServiceFlags? = .node) throws -> (
        TestPeer, PeerID
    )? {
        let peer = try TestPeer(from: from, to: host, port: self.port)
        guard try peer.handshake(port: port, services: services) != nil,
            let id = sink.connected(address: "\(from):\(port)")
        else { return nil }
        return (peer, id)
    }

    func snapshot(_ id: PeerID) -> PeerSnapshot? {
        (try? node.peerSnapshots().wait())?.first { $0.id == id.hex }
    }
}
