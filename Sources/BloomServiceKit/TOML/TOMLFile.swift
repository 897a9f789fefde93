/// A TOML 1.0 document (parsed by ``TOMLParser``), flattened to its leaf values with the line each key is written on.
///
/// Used for `bloom.toml` and for the service definitions in `Services/`. Tables, inline tables and dotted keys
/// all flatten the same way: `[restart] policy = "always"`, `restart = { policy = "always" }` and
/// `restart.policy = "always"` are one entry with the key path `["restart", "policy"]`.
public struct TOMLFile: Equatable, Sendable {
    /// The file name used in errors.
    public var path: String
    /// Every leaf value (anything but a table) and every empty table, in line order.
    public var entries: [Entry]
    /// The first line each key path (without array indices) is written on, tables included.
    private var keyLines: [[String]: Int]

    /// One leaf value.
    public struct Entry: Equatable, Sendable {
        /// The table names and the key, outermost first.
        public var keyPath: [String]
        /// The value.
        public var value: Value
        /// 1-based line of the key in the file.
        public var line: Int

        /// The key path as written with dots, for errors.
        public var dotted: String { keyPath.joined(separator: ".") }
    }

    /// A TOML value below the table level.
    public indirect enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int)
        case float(Double)
        case boolean(Bool)
        case array([Value])
        /// An empty table, or a table inside an array (`[[x]]` or `[{...}]`).
        case table
        /// A date, time or date-time, as written in TOML; no setting takes one.
        case dateTime(String)

        /// The name of the value's type, for errors.
        public var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .boolean: "a boolean"
            case .array: "an array"
            case .table: "a table"
            case .dateTime: "a date or time"
            }
        }

        /// The strings of an array of strings (a single string counts as one).
        public var strings: [String]? {
            switch self {
            case .string(let text): return [text]
            case .array(let values):
                var texts: [String] = []
                for case .string(let text) in values { texts.append(text) }
                return texts.count == values.count ? texts : nil
            default: return nil
            }
        }
    }

    /// Parses `text`; `path` names the file in errors.
    /// - Throws: `ConfigurationError` with the file, line and column of a syntax error (field `syntax`).
    public init(parsing text: String, path: String) throws(ConfigurationError) {
        self.path = path
        var parser = TOMLParser(text: text)
        let root: TOMLTable
        do {
            root = try parser.parse()
        } catch {
            throw ConfigurationError(
                origin: .file(path: path, line: error.line),
                field: "syntax",
                reason: error.reason + " (column \(error.column))"
            )
        }
        keyLines = parser.keyLines
        var entries: [Entry] = []
        Self.flatten(root, prefix: [], keyLines: keyLines, into: &entries)
        self.entries = entries.sorted { $0.line == $1.line ? $0.dotted < $1.dotted : $0.line < $1.line }
    }

    /// The line on which `keyPath` (a key or a table) is written, or its nearest enclosing table; 0 if none.
    public func line(of keyPath: [String]) -> Int {
        Self.line(of: keyPath, in: keyLines)
    }

    private static func line(of keyPath: [String], in keyLines: [[String]: Int]) -> Int {
        var path = keyPath
        while !path.isEmpty {
            if let line = keyLines[path] { return line }
            path.removeLast()
        }
        return 0
    }

    /// The entry at `keyPath`, if the file sets it.
    public subscript(keyPath: [String]) -> Entry? {
        entries.first { $0.keyPath == keyPath }
    }

    private static func flatten(
        _ table: TOMLTable,
        prefix: [String],
        keyLines: [[String]: Int],
        into entries: inout [Entry]
    ) {
        for key in table.order {
            guard let node = table.nodes[key] else { continue }
            let path = prefix + [key]
            let line = line(of: path, in: keyLines)
            switch node {
            case .table(let child) where !child.order.isEmpty:
                flatten(child, prefix: path, keyLines: keyLines, into: &entries)
            case .table:
                entries.append(Entry(keyPath: path, value: .table, line: line))
            case .tableArray(let tables):
                entries.append(Entry(keyPath: path, value: .array(tables.map { _ in .table }), line: line))
            case .value(let value):
                entries.append(Entry(keyPath: path, value: value, line: line))
            }
        }
    }
}
