import BloomCore
import Crypto

/// The BLOOM dedupe set: SHA-256 of each valid BLOOM payload seen (spec §2.5 item 8), oldest forgotten first.
public struct SeenCertificates: Sendable {
    /// How many hashes are kept. A certificate's relay wave lasts seconds; 4096 covers far more than that.
    public let capacity: Int
    private var members: Set<Hash256> = []
    private var order: [Hash256] = []
    private var head = 0

    /// An empty set holding at most `capacity` (≥ 1) hashes.
    public init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
    }

    /// SHA-256 of a BLOOM payload: the key of the dedupe set and the `gossip.expect` certificate hash.
    public static func key(of payload: [UInt8]) -> Hash256 {
        let digest = SHA256.hash(data: payload)
        return digest.withUnsafeBytes { Hash256($0) }
    }

    /// Whether the hash was recorded (and not yet forgotten).
    public func contains(_ hash: Hash256) -> Bool { members.contains(hash) }

    /// The number of hashes held.
    public var count: Int { members.count }

    /// Records a hash; returns false if it was already there.
    @discardableResult
    public mutating func insert(_ hash: Hash256) -> Bool {
        guard !members.contains(hash) else { return false }
        if order.count < capacity {
            order.append(hash)
        } else {
            // Ring buffer: overwrite the oldest.
            members.remove(order[head])
            order[head] = hash
            head = (head + 1) % capacity
        }
        members.insert(hash)
        return true
    }
}
