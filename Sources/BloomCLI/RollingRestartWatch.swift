import BloomServiceKit
import Foundation

/// `bloom restart <service> --rolling`: asks for the rolling restart, then follows `status` until every replica
/// runs a new process and is ready, printing each as it comes back (or the failure that stopped it).
struct RollingRestartWatch {
    let node: NodeOptions
    let service: String
    /// Longest wait for one replica to come back, on top of `--timeout` for each question.
    static let perReplicaLimit = 120.0

    func run(args: JSONValue) throws(CLIError) {
        let client = ControlClient(configuration: try node.configuration(), timeout: node.timeout)
        let before = pids(in: try client.request("status"))
        let answer = try client.request("restart", args: args)
        let total = answer["restarted"]?.arrayValue?.count ?? 0
        if !node.json {
            print("rolling restart of \(service): \(total) replica(s), one at a time")
            if total < 2 { print("note: with one replica, peers are refused while it restarts (bloom scale first)") }
        }
        var done: Set<Int> = []
        var deadline = Date().addingTimeInterval(Self.perReplicaLimit)
        while done.count < total {
            let replicas = entries(in: try client.request("status"))
            for entry in replicas {
                guard let index = entry["replica"]?.numberValue.map({ Int($0) }), !done.contains(index) else { continue }
                let state = entry["state"]?.stringValue
                if state == "failed" {
                    let why = entry["failure"]?.stringValue ?? "failed"
                    throw .commandFailed("rolling restart stopped: \(service) replica \(index) failed: \(why)")
                }
                let pid = entry["pid"]?.numberValue.map { Int($0) }
                if state == "ready", let pid, pid != before[index] {
                    done.insert(index)
                    deadline = Date().addingTimeInterval(Self.perReplicaLimit)
                    if !node.json { print("\(service)/\(index) ready again (pid \(pid))") }
                }
            }
            if done.count < total {
                guard Date() < deadline else {
                    throw .commandFailed(
                        "rolling restart of \(service): \(done.count) of \(total) replicas back after waiting "
                            + "\(Int(Self.perReplicaLimit)) s for the next; see bloom status"
                    )
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        if node.json {
            print(JSONValue.object(["restarted": answer["restarted"] ?? .array([]), "rolling": .bool(true)])
                .encoded(pretty: true))
        } else {
            print("rolling restart of \(service) done")
        }
    }

    private func entries(in status: JSONValue) -> [JSONValue] {
        (status["services"]?.arrayValue ?? []).filter { $0["name"]?.stringValue == service }
    }

    private func pids(in status: JSONValue) -> [Int: Int] {
        var pids: [Int: Int] = [:]
        for entry in entries(in: status) {
            if let index = entry["replica"]?.numberValue, let pid = entry["pid"]?.numberValue {
                pids[Int(index)] = Int(pid)
            }
        }
        return pids
    }
}
