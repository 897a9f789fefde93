import BloomServiceKit
import Foundation

/// Readable renderings of the node's answers.
enum HumanOutput {
    /// Left-aligned columns separated by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func text(_ value: JSONValue?) -> String {
        switch value ?? .null {
        case .null: "-"
        case .bool(let flag): flag ? "yes" : "no"
        case .number(let number):
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(format: "%.3f", number)
        case .string(let text): text
        case .array(let items): items.map { text($0) }.joined(separator: ", ")
        case .object(let members): members.keys.sorted().map { "\($0) \(text(members[$0]))" }.joined(separator: ", ")
        }
    }

    /// A number with three decimals (r, ψ, scores), `-` when absent.
    static func decimal(_ value: JSONValue?) -> String {
        value?.numberValue.map { String(format: "%.3f", $0) } ?? "-"
    }

    /// Seconds with one decimal and a unit (`0.4s`), `-` when absent.
    static func seconds(_ value: JSONValue?) -> String {
        value?.numberValue.map { String(format: "%.1fs", $0) } ?? "-"
    }

    /// `bloom status`: one row per replica. Services that other supervisors run on the same bus (another host's
    /// bloom-net) are listed too, and then a HOST column says where each runs.
    static func status(_ result: JSONValue) -> String {
        let entries = result["services"]?.arrayValue ?? []
        let rows = entries.map { entry -> [String] in
            var lastExit = "-"
            if let exit = entry["last_exit"], exit != .null { lastExit = text(exit["reason"]) }
            var state = text(entry["state"])
            if let failure = entry["failure"]?.stringValue {
                let retry = entry["retry_in_s"]?.numberValue.map { "; retry in \(Int($0)) s" } ?? ""
                state += " (\(failure)\(retry))"
            }
            let uptime = entry["uptime_s"]?.numberValue.map { String(format: "%.1fs", $0) } ?? "-"
            return [
                text(entry["name"]), text(entry["replica"]), text(entry["pid"]), state, uptime, text(entry["restarts"]),
                lastExit,
            ]
        }
        let header = ["SERVICE", "REPLICA", "PID", "STATE", "UPTIME", "RESTARTS", "LAST EXIT"]
        guard entries.contains(where: { $0["remote"] == .bool(true) }) else { return table(header, rows) }
        let withHosts = zip(entries, rows).map { entry, row in
            [row[0], text(entry["host"]) + (entry["remote"] == .bool(true) ? " (remote)" : "")] + row.dropFirst()
        }
        return table([header[0], "HOST"] + header.dropFirst(), withHosts)
    }

    static func restarted(_ result: JSONValue) -> String {
        let names = (result["restarted"]?.arrayValue ?? []).map { "\(text($0["name"]))/\(text($0["replica"]))" }
        return "restarting " + (names.isEmpty ? "nothing" : names.joined(separator: ", "))
    }

    static func peers(_ result: JSONValue) -> String {
        let peers = result["peers"]?.arrayValue ?? []
        if peers.isEmpty { return "no peers" }
        let rows = peers.map { [text($0["id"]), text($0["address"]), text($0["direction"]), text($0["height"])] }
        return table(["ID", "ADDRESS", "DIRECTION", "HEIGHT"], rows)
    }

    /// `bloom mempool`: a summary line, then one txid per line in arrival order.
    static func mempool(_ result: JSONValue) -> String {
        let count = Int(result["count"]?.numberValue ?? 0)
        let bytes = Int(result["bytes"]?.numberValue ?? 0)
        let txids = (result["txids"]?.arrayValue ?? []).map { text($0) }
        let summary = "\(count) transaction\(count == 1 ? "" : "s"), \(bytes) bytes"
        return ([summary] + txids.map { "  " + $0 }).joined(separator: "\n")
    }

    /// `bloom scale`: the service and its replica count.
    static func scaled(_ result: JSONValue, service: String) -> String {
        "\(result["name"]?.stringValue ?? fullServiceName(service)): \(text(result["replicas"])) replica(s)"
    }

    /// `bloom reload`: one line per changed setting, saying whether it applies now or at the next start.
    static func reloaded(_ result: JSONValue) -> String {
        guard case .array(let changes)? = result["changes"], !changes.isEmpty else {
            return "configuration reloaded: nothing changed"
        }
        let rows = changes.map { change in
            [
                text(change["setting"]), text(change["old"]), text(change["new"]),
                change["live"] == .bool(true) ? "applied" : "needs a restart",
            ]
        }
        return table(["SETTING", "WAS", "NOW", "EFFECT"], rows)
    }

    /// `bloom stop`.
    static func stopping(_ result: JSONValue) -> String {
        "stopping the node"
    }

    /// `bloom coherence`: the local and network order parameters and the miner, then one row per peer.
    static func coherence(_ result: JSONValue) -> String {
        func ensemble(_ name: String) -> String {
            "r \(decimal(result[name]?["r"]))  psi \(decimal(result[name]?["psi"]))"
        }
        var network = ensemble("network")
        if let count = result["network_peers"]?.numberValue {
            network += "  (\(Int(count)) peer(s) merged, reported r \(decimal(result["reported_coherence"])))"
        }
        var mining = text(result["mining"])
        var details: [String] = []
        if let strategy = result["strategy"]?.stringValue { details.append("strategy \(strategy)") }
        if let attempts = result["attempts_per_s"]?.numberValue {
            details.append(String(format: "%.1f attempts/s", attempts))
        }
        if let rounds = result["rounds_per_s"]?.numberValue { details.append(String(format: "%.1f rounds/s", rounds)) }
        if !details.isEmpty { mining += "  (" + details.joined(separator: ", ") + ")" }
        let summary = [("local", ensemble("local")), ("network", network), ("mining", mining)].map { label, value in
            label.padding(toLength: 8, withPad: " ", startingAt: 0) + value
        }
        let peers = result["peers"]?.arrayValue ?? []
        let rows = peers.map { peer in
            [
                text(peer["id"]), text(peer["address"]), decimal(peer["r"]), seconds(peer["age_s"]),
                decimal(peer["score"]),
            ]
        }
        let peerTable = peers.isEmpty ? "no peers" : table(["PEER", "ADDRESS", "R", "AGE", "SCORE"], rows)
        return (summary + ["", peerTable]).joined(separator: "\n")
    }

    /// `key  value` lines in key order (`bloom chain`, `bloom tx submit`). A nested object becomes `key.field`
    /// lines and a list of objects `key[i].field` lines, so no answer is shown as JSON.
    static func keyValues(_ result: JSONValue) -> String {
        guard case .object = result else { return text(result) }
        let lines = flattened(result, prefix: "")
        let width = lines.map(\.key.count).max() ?? 0
        return lines.map { $0.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }
            .joined(separator: "\n")
    }

    /// The scalar leaves of `value`, keys sorted, named by their path.
    static func flattened(_ value: JSONValue, prefix: String) -> [(key: String, value: String)] {
        switch value {
        case .object(let members):
            if members.isEmpty { return prefix.isEmpty ? [] : [(prefix, "-")] }
            return members.keys.sorted().flatMap { key in
                flattened(members[key] ?? .null, prefix: prefix.isEmpty ? key : prefix + "." + key)
            }
        case .array(let items) where items.contains(where: { if case .object = $0 { true } else { false } }):
            return items.enumerated().flatMap { index, item in flattened(item, prefix: "\(prefix)[\(index)]") }
        default:
            return [(prefix, text(value))]
        }
    }
}
