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
        case .object: value?.encoded() ?? "-"
        }
    }

    static func status(_ result: JSONValue) -> String {
        let rows = (result["services"]?.arrayValue ?? []).map { entry -> [String] in
            var lastExit = "-"
            if let exit = entry["last_exit"], exit != .null { lastExit = text(exit["reason"]) }
            var state = text(entry["state"])
            if let failure = entry["failure"]?.stringValue { state += " (\(failure))" }
            let uptime = entry["uptime_s"]?.numberValue.map { String(format: "%.1fs", $0) } ?? "-"
            return [
                text(entry["name"]), text(entry["replica"]), text(entry["pid"]), state, uptime, text(entry["restarts"]),
                lastExit,
            ]
        }
        return table(["SERVICE", "REPLICA", "PID", "STATE", "UPTIME", "RESTARTS", "LAST EXIT"], rows)
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

    /// `key: value` lines in key order; nested objects and lists of objects as JSON.
    static func keyValues(_ result: JSONValue) -> String {
        guard case .object(let members) = result else { return text(result) }
        let width = members.keys.map(\.count).max() ?? 0
        return members.keys.sorted().map { key in
            let value = members[key]
            let rendered: String
            if case .array(let items) = value ?? .null,
                items.contains(where: { if case .object = $0 { true } else { false } })
            {
                rendered = "\(items.count) entries " + (value?.encoded() ?? "")
            } else {
                rendered = text(value)
            }
            return key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + rendered
        }.joined(separator: "\n")
    }
}
