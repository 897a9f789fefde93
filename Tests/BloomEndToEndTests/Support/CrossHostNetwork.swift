import BloomTestSupport
import Foundation

/// Hosts for a cross-host test: one network namespace per host, each with an `eth0` (a veth pair) on a bridge of
/// its own subnet, so that each node has a network stack, an address and a link of its own that can be degraded
/// or cut. Where namespaces cannot be made (not root, no iproute2), `available` is false and the caller runs the
/// same scenario on loopback addresses.
final class CrossHostNetwork: @unchecked Sendable {
    let tag: String
    let subnet: String
    private(set) var namespaces: [String] = []
    private var bridge: String { "bbr\(tag)" }
    /// Whether the kernel has sch_netem (this project's VM does not; then a degraded link is a slow one).
    private(set) var netem = false

    /// Makes the bridge; nil (with the reason) when namespaces are not available here.
    static func make() -> (network: CrossHostNetwork?, reason: String?) {
        guard getuid() == 0 else { return (nil, "not root") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else { return (nil, "no /usr/sbin/ip") }
        let network = CrossHostNetwork()
        do {
            try network.run(["link", "add", network.bridge, "type", "bridge"])
            try network.run(["addr", "add", "\(network.subnet).1/24", "dev", network.bridge])
            try network.run(["link", "set", network.bridge, "up"])
        } catch {
            network.teardown()
            return (nil, "\(error)")
        }
        return (network, nil)
    }

    private init() {
        tag = String(format: "%04x", UInt16.random(in: 0...UInt16.max))
        subnet = "10.213.\(Int.random(in: 1...250))"
    }

    /// The address of host `index` (10, 11, … in the subnet).
    func address(_ index: Int) -> String { "\(subnet).\(10 + index)" }

    /// Makes host `index`: its namespace, `eth0` on the bridge with ``address(_:)``, and `lo`.
    func addHost(_ index: Int) throws -> (namespace: String, address: String) {
        let namespace = "bb\(tag)h\(index)"
        let outside = "bv\(tag)\(index)"
        try run(["netns", "add", namespace])
        namespaces.append(namespace)
        try run(["link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace])
        try run(["link", "set", outside, "master", bridge])
        try run(["link", "set", outside, "up"])
        try run(["netns", "exec", namespace, "ip", "addr", "add", "\(address(index))/24", "dev", "eth0"])
        try run(["netns", "exec", namespace, "ip", "link", "set", "eth0", "up"])
        try run(["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        return (namespace, address(index))
    }

    /// Degrades host `index`'s link, both ways of everything it sends: 100 ms of delay and 5 % loss with netem, or,
    /// without netem, a 256 kbit/s link with a short queue (queueing delay and tail drops).
    func degrade(_ index: Int) throws -> String {
        let namespace = namespaces[index]
        if (try? run(["netns", "exec", namespace, "tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "100ms",
            "loss", "5%"])) != nil
        {
            netem = true
            return "netem delay 100ms loss 5%"
        }
        try run(["netns", "exec", namespace, "tc", "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", "256kbit",
            "burst", "16kbit", "latency", "100ms"])
        return "tbf 256kbit, 100 ms queue (no sch_netem in this kernel)"
    }

    /// Undoes ``degrade(_:)``.
    func restore(_ index: Int) {
        _ = try? run(["netns", "exec", namespaces[index], "tc", "qdisc", "del", "dev", "eth0", "root"])
    }

    /// Cuts host `index` off the network (its `eth0` down): a link lost, not a process.
    func cut(_ index: Int) throws {
        try run(["netns", "exec", namespaces[index], "ip", "link", "set", "eth0", "down"])
    }

    /// Undoes ``cut(_:)``: the link up again, with its address.
    func reconnect(_ index: Int) throws {
        try run(["netns", "exec", namespaces[index], "ip", "link", "set", "eth0", "up"])
    }

    /// Removes every namespace (their veth ends go with them) and the bridge.
    func teardown() {
        for namespace in namespaces { _ = try? run(["netns", "del", namespace]) }
        namespaces = []
        _ = try? run(["link", "del", bridge])
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let result = try runProcess("/usr/sbin/ip", arguments)
        guard result.status == 0 else {
            throw E2EError("ip \(arguments.joined(separator: " ")): \(result.output)")
        }
        return result.output
    }
}
