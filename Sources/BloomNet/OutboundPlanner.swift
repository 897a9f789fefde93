/// Which addresses to dial next (spec §9 "connect to diverse peers", issue 4 items 1 and 6). Pure: the node
/// passes in its state and dials what comes back.
public enum OutboundPlanner {
    /// Picks up to `free` candidates: first those outside every /16 already used by an outbound peer or a dial
    /// in progress (loopback exempt, so local test networks work), then, only if slots remain, the others.
    /// - Parameters:
    ///   - due: Candidates that may be dialled now (not connected, not banned, not ourselves), in preference order.
    ///   - usedGroups: The /16 groups of current outbound peers and dials in progress.
    ///   - free: Free outbound slots.
    /// - Returns: The addresses to dial, in order.
    public static func choose(due: [PeerEndpoint], usedGroups: Set<String>, free: Int) -> [PeerEndpoint] {
        var groups = usedGroups
        var left = free
        var chosen: [PeerEndpoint] = []
        for endpoint in due where left > 0 && (endpoint.isLoopback || !groups.contains(endpoint.group)) {
            chosen.append(endpoint)
            groups.insert(endpoint.group)
            left -= 1
        }
        for endpoint in due where left > 0 && !chosen.contains(endpoint) {
            chosen.append(endpoint)
            left -= 1
        }
        return chosen
    }

    /// Whether replica `replica` of `count` dials `endpoint`: each address belongs to exactly one replica, by a
    /// hash that is the same in every process (FNV-1a; Swift's `Hasher` is seeded per process).
    public static func owns(_ endpoint: PeerEndpoint, replica: Int, count: Int) -> Bool {
        let count = max(1, count)
        guard count > 1 else { return true }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in endpoint.description.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count)) == replica % count
    }
}
