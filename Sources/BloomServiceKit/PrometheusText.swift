/// One sample line of the Prometheus text format: `name{label="value",…} value`.
public struct MetricSample: Equatable, Sendable {
    /// The sample's own name (`x_bucket`, `x_sum` for a histogram `x`).
    public var name: String
    /// Labels in their written order.
    public var labels: [MetricLabel]
    /// The value (`+Inf`, `-Inf` and `NaN` included).
    public var value: Double

    /// Creates a sample.
    public init(name: String, labels: [MetricLabel] = [], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }

    /// The value of label `name`, if present.
    public func label(_ name: String) -> String? {
        labels.first { $0.name == name }?.value
    }
}

/// A label pair.
public struct MetricLabel: Equatable, Sendable {
    /// The label name.
    public var name: String
    /// The label value, unescaped.
    public var value: String

    /// Creates a label.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A metric family: its `# HELP`, `# TYPE` and samples.
public struct MetricFamily: Equatable, Sendable {
    /// The family name (a histogram's samples add `_bucket`, `_sum`, `_count`).
    public var name: String
    /// `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    public var type: String
    /// The help text, unescaped; empty when none was given.
    public var help: String
    /// The samples in order.
    public var samples: [MetricSample]

    /// Creates a family.
    public init(name: String, type: String, help: String = "", samples: [MetricSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}

/// A line of exposition text that is not the format.
public struct PrometheusTextError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// What is wrong.
    public var reason: String

    public var description: String { "metrics text line \(line): \(reason)" }
}

/// The Prometheus text exposition format, version 0.0.4: parsed (what the supervisor does with every service's
/// snapshot before it labels and merges them) and rendered.
public enum PrometheusText {
    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Parses `text` into families in order of appearance. A sample without a `# TYPE` line before it is an
    /// `untyped` family of its own name; samples of one family must be contiguous, as the format requires.
    public static func parse(_ text: String) throws(PrometheusTextError) -> [MetricFamily] {
        var families: [MetricFamily] = []
        var helps: [String: String] = [:]
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let words = line.dropFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard words.count >= 2, words[0] == "HELP" || words[0] == "TYPE" else { continue }  // a comment
                let name = String(words[1])
                guard isMetricName(name) else { throw PrometheusTextError(line: number, reason: "bad name '\(name)'") }
                let rest = words.count > 2 ? String(words[2]) : ""
                if words[0] == "HELP" {
                    let help = unescape(rest, quotes: false)
                    helps[name] = help
                    if let last = families.indices.last, families[last].name == name { families[last].help = help }
                } else {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                        throw PrometheusTextError(line: number, reason: "unknown type '\(rest)'")
                    }
                    if families.contains(where: { $0.name == name }) {
                        throw PrometheusTextError(line: number, reason: "second TYPE line for \(name)")
                    }
                    families.append(MetricFamily(name: name, type: rest, help: helps[name] ?? ""))
                }
                continue
            }
            let sample: MetricSample
            do {
                sample = try parseSample(Substring(line))
            } catch {
                throw PrometheusTextError(line: number, reason: error.reason)
            }
            if let last = families.indices.last, belongs(sample.name, to: families[last]) {
                families[last].samples.append(sample)
            } else if families.contains(where: { belongs(sample.name, to: $0) }) {
                throw PrometheusTextError(line: number, reason: "samples of \(sample.name) are not contiguous")
            } else {
                families.append(
                    MetricFamily(name: sample.name, type: "untyped", help: helps[sample.name] ?? "", samples: [sample])
                )
            }
        }
        return families
    }

    /// Whether a sample called `name` is part of `family` (a histogram's `_bucket`, `_sum` and `_count`).
    static func belongs(_ name: String, to family: MetricFamily) -> Bool {
        if name == family.name { return true }
        guard family.type == "histogram" || family.type == "summary", name.hasPrefix(family.name) else {
            return false
        }
        let suffix = name.dropFirst(family.name.count)
        return suffix == "_sum" || suffix == "_count" || (family.type == "histogram" && suffix == "_bucket")
    }

    private struct SampleError: Error {
        var reason: String
    }

    private static func parseSample(_ line: Substring) throws(SampleError) -> MetricSample {
        let chars = Array(line.unicodeScalars)
        var index = 0
        while index < chars.count, chars[index] != "{", chars[index] != " ", chars[index] != "\t" { index += 1 }
        let name = String(String.UnicodeScalarView(chars[0..<index]))
        guard isMetricName(name) else { throw SampleError(reason: "bad metric name '\(name)'") }
        var labels: [MetricLabel] = []
        if index < chars.count, chars[index] == "{" {
            index += 1
            while true {
                while index < chars.count, chars[index] == " " { index += 1 }
                guard index < chars.count else { throw SampleError(reason: "unterminated label set") }
                if chars[index] == "}" {
                    index += 1
                    break
                }
                let start = index
                while index < chars.count, chars[index] != "=", chars[index] != " " { index += 1 }
                let labelName = String(String.UnicodeScalarView(chars[start..<index]))
                guard isLabelName(labelName) else { throw SampleError(reason: "bad label name '\(labelName)'") }
                while index < chars.count, chars[index] == " " { index += 1 }
                guard index < chars.count, chars[index] == "=" else { throw SampleError(reason: "expected '='") }
                index += 1
                while index < chars.count, chars[index] == " " { index += 1 }
                guard index < chars.count, chars[index] == "\"" else { throw SampleError(reason: "expected '\"'") }
                index += 1
                var value = String.UnicodeScalarView()
                var closed = false
                while index < chars.count {
                    let char = chars[index]
                    index += 1
                    if char == "\"" {
                        closed = true
                        break
                    }
                    if char == "\\" {
                        guard index < chars.count else { break }
                        let escaped = chars[index]
                        index += 1
                        switch escaped {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: throw SampleError(reason: "bad escape '\\\(escaped)' in a label value")
                        }
                        continue
                    }
                    value.append(char)
                }
                guard closed else { throw SampleError(reason: "unterminated label value") }
                if labels.contains(where: { $0.name == labelName }) {
                    throw SampleError(reason: "label \(labelName) given twice")
                }
                labels.append(MetricLabel(labelName, String(value)))
                while index < chars.count, chars[index] == " " { index += 1 }
                if index < chars.count, chars[index] == "," { index += 1 }
            }
        }
        let rest = String(String.UnicodeScalarView(chars[index...])).split(separator: " ")
        guard rest.count == 1 || rest.count == 2 else { throw SampleError(reason: "expected a value") }
        guard let value = parseValue(rest[0]) else { throw SampleError(reason: "bad value '\(rest[0])'") }
        if rest.count == 2, Int64(rest[1]) == nil { throw SampleError(reason: "bad timestamp '\(rest[1])'") }
        return MetricSample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first == "_" || first == ":" || first.properties.isAlphabetic
        else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0 == ":" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isLabelName(_ name: String) -> Bool {
        isMetricName(name) && !name.contains(":")
    }

    private static func unescape(_ text: String, quotes: Bool) -> String {
        var out = ""
        var escaping = false
        for char in text {
            if escaping {
                switch char {
                case "n": out.append("\n")
                case "\\": out.append("\\")
                case "\"" where quotes: out.append("\"")
                default: out.append("\\"); out.append(char)
                }
                escaping = false
            } else if char == "\\" {
                escaping = true
            } else {
                out.append(char)
            }
        }
        if escaping { out.append("\\") }
        return out
    }

    /// A value as the format writes it: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Renders `families` with `# HELP` (when there is help) and `# TYPE` lines.
    public static func render(_ families: [MetricFamily], into out: inout String) {
        for family in families {
            if !family.help.isEmpty {
                out += "# HELP \(family.name) "
                for char in family.help {
                    switch char {
                    case "\\": out += "\\\\"
                    case "\n": out += "\\n"
                    default: out.append(char)
                    }
                }
                out += "\n"
            }
            out += "# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples {
                out += sample.name
                if !sample.labels.isEmpty {
                    out += "{"
                    for (position, label) in sample.labels.enumerated() {
                        if position > 0 { out += "," }
                        out += label.name
                        out += "=\""
                        for char in label.value {
                            switch char {
                            case "\\": out += "\\\\"
                            case "\"": out += "\\\""
                            case "\n": out += "\\n"
                            default: out.append(char)
                            }
                        }
                        out += "\""
                    }
                    out += "}"
                }
                out += " "
                out += format(sample.value)
                out += "\n"
            }
        }
    }
}
