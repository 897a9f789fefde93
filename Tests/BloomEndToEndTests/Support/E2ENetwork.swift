import BloomTestSupport
import Foundation

/// A few nodes on a fresh temporary directory. `shutdown()` (in a `defer`) stops every node and removes the
/// directory; on failure the logs are kept and their path is in the error.
final class E2ENetwork: @unchecked Sendable {
    let root: String
    private(set) var nodes: [E2ENode] = []

    /// `count` nodes (not started); `miners` of them (the first ones) mine; `edges` (i, j): i dials j.
    init(count: Int, miners: Int = 0, edges: [(Int, Int)] = []) throws {
        // Short: ipc paths must fit 107 bytes.
        root = "/tmp/be2e-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for index in 0..<count { try add(mine: index < miners) }
        for (from, to) in edges { nodes[from].connect.append(nodes[to].endpoint) }
    }

    /// Adds a node (not started).
    @discardableResult
    func add(mine: Bool = false, connect: [Int] = []) throws -> E2ENode {
        let node = try E2ENode(index: nodes.count, root: root, mine: mine)
        node.connect = connect.map { nodes[$0].endpoint }
        nodes.append(node)
        return node
    }

    /// Adds a node made elsewhere (a cross-host test's, in its namespace).
    func adopt(_ node: E2ENode) { nodes.append(node) }

    subscript(index: Int) -> E2ENode { nodes[index] }

    /// Starts the given nodes (default all) and waits until each is ready.
    func start(_ which: [Int]? = nil) async throws {
        let chosen = (which ?? Array(nodes.indices)).map { nodes[$0] }
        for node in chosen { try node.start() }
        for node in chosen {
            try await eventually("n\(node.index) ready", timeout: 120, log: node) { node.isReady() }
        }
    }

    /// Every node stops (SIGTERM, then SIGKILL); the directory goes unless `keep`.
    func shutdown(keep: Bool = false) {
        for node in nodes { node.stop(timeout: 20) }
        if !keep && ProcessInfo.processInfo.environment["BLOOM_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Waits until every listed node (default all) reports the same tip at `height` or more.
    @discardableResult
    func converged(_ which: [Int]? = nil, atLeast height: Int = 0, timeout: Double = 90) async throws -> String {
        let chosen = (which ?? Array(nodes.indices)).map { nodes[$0] }
        var tip = ""
        try await eventually("tips converged at height ≥ \(height)", timeout: timeout, log: chosen.first) {
            let chains = chosen.map { $0.chain() }
            guard let first = chains.first ?? nil, first.height >= height,
                chains.allSatisfy({ $0?.tip == first.tip })
            else { return false }
            tip = first.tip
            return true
        }
        return tip
    }
}

/// Whether the heavy variants run (`Scripts/e2e --full` sets BLOOM_E2E_FULL=1).
let fullRun = ProcessInfo.processInfo.environment["BLOOM_E2E_FULL"] == "1"

/// Polls `condition` every 200 ms until it holds; throws after `timeout` (a bound on waiting, not an assertion on
/// speed), with the tail of `log`'s node log.
func eventually(
    _ what: String,
    timeout: Double = 60,
    log: E2ENode? = nil,
    _ condition: () throws -> Bool
) async throws {
    if try await pollUntil(seconds: timeout, every: 0.2, { try condition() }) { return }
    throw E2EError("gave up waiting after \(Int(timeout)) s: \(what)\n" + (log.map { "n\($0.index) log tail:\n\($0.logTail())" } ?? ""))
}
