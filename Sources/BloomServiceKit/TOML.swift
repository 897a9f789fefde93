/// A strict subset of TOML, enough for `bloom.toml` and the service definitions in `Services/`.
///
/// Grammar (one construct per line; anything else is an error naming the line):
///
/// | line | meaning |
/// | --- | --- |
/// | empty, or `# comment` | ignored |
/// | `[name]` | starts a table (bare name: letters, digits, `_`, `-`); each table at most once |
/// | `key = value` | a bare key, at most once per table |
///
/// Values: `"basic string"` (escapes `\"`, `\\`, `\n`, `\t`, `\uXXXX`), `'literal string'`, integers
/// (`-12`, `1_000`), floats (`0.1`, `1e3`), `true` / `false`, and one-line arrays of strings (`["a", "b"]`).
/// A `#` outside a string starts a comment.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case stringArray([String])

    /// The name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .stringArray: "an array of strings"
        }
    }
}

/// One `key = value` line.
public struct TOMLEntry: Equatable, Sendable {
    /// The key as written.
    public var key: String
    /// The parsed value.
    public var value: TOMLValue
    /// 1-based line number of the entry in its file.
    public var line: Int
}

/// The entries of one table (or of the top level, whose `name` is empty), in file order.
public struct TOMLTable: Equatable, Sendable {
    /// The table's name; empty for the top level.
    public var name: String
    /// 1-based line of the `[name]` header (0 for the top level).
    public var line: Int
    /// Entries in the order they appear.
    public var entries: [TOMLEntry]

    /// The entry for `key`, if present.
    public subscript(key: String) -> TOMLEntry? {
        entries.first { $0.key == key }
    }
}

/// A parsed file: the top-level table and the named tables in file order.
public struct TOMLDocument: Equatable, Sendable {
    /// The file name used in error messages.
    public var file: String
    /// Entries before the first `[table]` header.
    public var root: TOMLTable
    /// Named tables in file order.
    public var tables: [TOMLTable]

    /// The named table, if present.
    public func table(_ name: String) -> TOMLTable? {
        tables.first { $0.name == name }
    }
}

/// A syntax error in a TOML file, with its location.
public struct TOMLError: Error, Equatable, CustomStringConvertible {
    /// The file name (or a description of the source).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// What is wrong.
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}

extension TOMLDocument {
    /// Parses `text`; `file` names the source in errors.
    /// - Throws: `TOMLError` with the line of the first problem.
    public init(parsing text: String, file: String) throws(TOMLError) {
        self.file = file
        root = TOMLTable(name: "", line: 0, entries: [])
        tables = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var scanner = TOMLLineScanner(Array(rawLine.utf8), file: file, line: lineNumber)
            try scanner.skipSpaces()
            if scanner.atEndOrComment { continue }
            if scanner.peek == UInt8(ascii: "[") {
                let name = try scanner.tableHeader()
                if name.isEmpty || tables.contains(where: { $0.name == name }) {
                    throw TOMLError(file: file, line: lineNumber, message: "table [\(name)] is defined twice")
                }
                tables.append(TOMLTable(name: name, line: lineNumber, entries: []))
                continue
            }
            let entry = try scanner.keyValue()
            let current = tables.isEmpty ? root : tables[tables.count - 1]
            if current[entry.key] != nil {
                let place = current.name.isEmpty ? "" : " in [\(current.name)]"
                throw TOMLError(file: file, line: lineNumber, message: "key '\(entry.key)' is set twice\(place)")
            }
            if tables.isEmpty {
                root.entries.append(entry)
            } else {
                tables[tables.count - 1].entries.append(entry)
            }
        }
    }
}
