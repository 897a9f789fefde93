import BloomCore
import BloomServiceKit
import Foundation

/// Coherence over time for `/api/coherence/history` and the dashboard's chart: local r, network r and each peer's r,
/// one sample a second, in a ring of fixed capacity (a bit more than an hour), so memory is bounded whatever the
/// uptime. Peer ids are interned to small integers and r values kept as `Float`: at 128 peers a full ring is about
/// 4 MB (see ``approximateBytes``).
public final class CoherenceHistory: Sendable {
    /// One second of coherence.
    public struct Sample: Equatable, Sendable {
        /// Unix time, seconds.
        public var time: Double
        public var local: Float
        public var network: Float
        /// (interned peer id, r).
        public var peers: [(UInt32, Float)]

        public static func == (lhs: Sample, rhs: Sample) -> Bool {
            lhs.time == rhs.time && lhs.local == rhs.local && lhs.network == rhs.network
                && lhs.peers.elementsEqual(rhs.peers) { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }

    private struct State {
        var ring: [Sample] = []
        var next = 0
        var peerIDs: [String] = []
        var peerIndex: [String: UInt32] = [:]
    }

    /// Samples kept: one hour and a minute at one a second.
    public let capacity: Int
    /// Peers kept per sample: more are left out of that sample (the dashboard could not draw them apart anyway).
    public static let maxPeersPerSample = 128
    private let state = Locked(State())

    /// An empty history of `capacity` samples.
    public init(capacity: Int = 3660) {
        self.capacity = max(1, capacity)
    }

    /// Records the `coherence` answer of bloom-gossip (`bloom coherence --json`) taken at `time`.
    /// - Returns: the sample, or `nil` when the answer has no local and network r.
    @discardableResult
    public func record(coherence: JSONValue, at time: Double) -> Sample? {
        guard let local = coherence["local"]?["r"]?.numberValue, let network = coherence["network"]?["r"]?.numberValue
        else { return nil }
        let peers = (coherence["peers"]?.arrayValue ?? []).compactMap { peer -> (String, Double)? in
            guard let id = peer["id"]?.stringValue, let r = peer["r"]?.numberValue else { return nil }
            return (id, r)
        }.prefix(Self.maxPeersPerSample)
        return state.withLock { state in
            // Interned ids live as long as the process; compact them when peer churn has made the table large.
            if state.peerIDs.count > 16 * Self.maxPeersPerSample { Self.compact(&state) }
            var sample = Sample(time: time, local: Float(local), network: Float(network), peers: [])
            sample.peers.reserveCapacity(peers.count)
            for (id, r) in peers {
                let index: UInt32
                if let known = state.peerIndex[id] {
                    index = known
                } else {
                    index = UInt32(state.peerIDs.count)
                    state.peerIDs.append(id)
                    state.peerIndex[id] = index
                }
                sample.peers.append((index, Float(r)))
            }
            if state.ring.count < capacity {
                state.ring.append(sample)
            } else {
                state.ring[state.next] = sample
            }
            state.next = (state.next + 1) % capacity
            return sample
        }
    }

    private static func compact(_ state: inout State) {
        var ids: [String] = []
        var index: [String: UInt32] = [:]
        for position in state.ring.indices {
            for peer in state.ring[position].peers.indices {
                let id = state.peerIDs[Int(state.ring[position].peers[peer].0)]
                if index[id] == nil {
                    index[id] = UInt32(ids.count)
                    ids.append(id)
                }
                state.ring[position].peers[peer].0 = index[id]!
            }
        }
        state.peerIDs = ids
        state.peerIndex = index
    }

    /// How many samples are held.
    public var count: Int { state.withLock { $0.ring.count } }

    /// The samples of the last `seconds` before `now`, oldest first, as JSON:
    /// `{seconds, z_c, samples: [{t, local, network, peers: {id: r}}]}`.
    public func json(seconds: Int, now: Double = Date().timeIntervalSince1970) -> JSONValue {
        let since = now - Double(seconds)
        let (ordered, ids) = state.withLock { state -> ([Sample], [String]) in
            let ordered = state.ring.count < capacity
                ? state.ring : Array(state.ring[state.next...] + state.ring[..<state.next])
            return (ordered.filter { $0.time >= since }, state.peerIDs)
        }
        return .object([
            "seconds": .number(Double(seconds)),
            "z_c": .number(3.0.squareRoot() / 2),
            "samples": .array(ordered.map { Self.json($0, ids: ids) }),
        ])
    }

    /// One sample as JSON, peers by their full id.
    static func json(_ sample: Sample, ids: [String]) -> JSONValue {
        var peers: [String: JSONValue] = [:]
        for (index, r) in sample.peers where Int(index) < ids.count { peers[ids[Int(index)]] = .number(Double(r)) }
        return .object([
            "t": .number((sample.time * 1000).rounded() / 1000),
            "local": .number(Double(sample.local)),
            "network": .number(Double(sample.network)),
            "peers": .object(peers),
        ])
    }

    /// The sample `sample` as JSON with the current peer ids (for the live event stream).
    public func json(_ sample: Sample) -> JSONValue {
        Self.json(sample, ids: state.withLock { $0.peerIDs })
    }

    /// An estimate of the memory held: the ring's samples, their peer arrays and the interned ids.
    public var approximateBytes: Int {
        state.withLock { state in
            let samples = state.ring.reduce(0) { $0 + MemoryLayout<Sample>.stride + 32 + $1.peers.capacity * 8 }
            let ids = state.peerIDs.reduce(0) { $0 + 2 * (MemoryLayout<String>.stride + $1.utf8.count) + 8 }
            return samples + ids
        }
    }
}
