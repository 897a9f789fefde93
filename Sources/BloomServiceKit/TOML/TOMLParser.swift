/// A TOML 1.0 parser (https://toml.io/en/v1.0.0) over UTF-8 bytes, written for `bloom.toml` and `Services/*.toml`.
///
/// Why not a library: TOMLKit (toml++ 3.4.0 underneath) aborted the process on a three-byte file (`[@@`, an
/// `assert` in its table-header path, found by `Scripts/fuzz config`), and with `NDEBUG` the same line is an
/// `__builtin_assume`, i.e. undefined behaviour. A configuration file is outside input: reading it must end in a
/// document or a typed error, never a crash. This parser is total (every byte sequence ends in one of the two),
/// bounds its nesting, and keeps the line of every key, which the node's errors name.
///
/// The document model keeps what TOML's rules need: which tables were defined by a header, created implicitly by
/// one, created by dotted keys, or written inline (immutable), and which arrays came from `[[...]]`.
struct TOMLParser {
    /// Arrays and inline tables nested deeper than this are refused (the parser recurses on them).
    static let maximumDepth = 64

    var cursor: TOMLCursor
    let root = TOMLTable(kind: .explicit, line: 0)
    /// The first line each key path (without array indices) appears on, tables included.
    var keyLines: [[String]: Int] = [:]

    init(text: String) {
        cursor = TOMLCursor(bytes: Array(text.utf8))
    }

    /// Parses the whole document.
    mutating func parse() throws(TOMLSyntaxError) -> TOMLTable {
        var current = root
        var currentPath: [String] = []
        while true {
            cursor.skipWhitespace()
            guard let byte = cursor.peek else { break }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
                try cursor.expectLineEnd()
            case UInt8(ascii: "["):
                (current, currentPath) = try parseHeader()
                try cursor.expectLineEnd()
            default:
                try parseKeyValue(into: current, path: currentPath, inline: false, depth: 0)
                try cursor.expectLineEnd()
            }
        }
        return root
    }

    // MARK: Keys

    /// A key: bare or quoted segments joined by dots, with optional whitespace around the dots.
    mutating func parseKey() throws(TOMLSyntaxError) -> [String] {
        var segments: [String] = []
        while true {
            cursor.skipWhitespace()
            segments.append(try parseKeySegment())
            // Each part is a table level; thousands of them made every key path quadratic to build and look up
            // (a 2.4 KB file of 512 dots took 1 s under ASan, found by `Scripts/fuzz config`).
            guard segments.count <= Self.maximumDepth else {
                throw cursor.error("a key of more than \(Self.maximumDepth) dotted parts")
            }
            cursor.skipWhitespace()
            guard cursor.peek == UInt8(ascii: ".") else { return segments }
            cursor.advance()
        }
    }

    private mutating func parseKeySegment() throws(TOMLSyntaxError) -> String {
        switch cursor.peek {
        case UInt8(ascii: "\""):
            return try parseBasicString(multiline: false)
        case UInt8(ascii: "'"):
            return try parseLiteralString(multiline: false)
        case let byte? where TOMLCursor.isBareKeyByte(byte):
            let start = cursor.index
            while let next = cursor.peek, TOMLCursor.isBareKeyByte(next) { cursor.advance() }
            return cursor.text(from: start)
        default:
            throw cursor.error("expected a key (letters, digits, '-', '_', or a quoted key)")
        }
    }

    // MARK: Tables

    /// `[a.b]` or `[[a.b]]`: the table that the following key/values go into.
    private mutating func parseHeader() throws(TOMLSyntaxError) -> (TOMLTable, [String]) {
        let line = cursor.line
        cursor.advance()
        let isArray = cursor.peek == UInt8(ascii: "[")
        if isArray { cursor.advance() }
        let path = try parseKey()
        guard cursor.peek == UInt8(ascii: "]") else { throw cursor.error("expected ']' to close the table header") }
        cursor.advance()
        if isArray {
            guard cursor.peek == UInt8(ascii: "]") else { throw cursor.error("expected ']]' to close the header") }
            cursor.advance()
        }
        record(path, line)
        let parent = try walkHeaderPrefix(path.dropLast(), line: line)
        let name = path[path.count - 1]
        let dotted = path.joined(separator: ".")
        if isArray {
            let table = TOMLTable(kind: .explicit, line: line)
            switch parent.nodes[name] {
            case nil:
                parent.insert(name, .tableArray([table]))
            case .tableArray(let tables)?:
                parent.nodes[name] = .tableArray(tables + [table])
            default:
                throw cursor.error("'\(dotted)' is already defined (line \(keyLines[path] ?? line)) and is no array of tables", line: line)
            }
            return (table, path)
        }
        switch parent.nodes[name] {
        case nil:
            let table = TOMLTable(kind: .explicit, line: line)
            parent.insert(name, .table(table))
            return (table, path)
        case .table(let table)? where table.kind == .implicit:
            table.kind = .explicit
            return (table, path)
        default:
            throw cursor.error("table '\(dotted)' is already defined", line: line)
        }
    }

    /// The tables a header's key passes through: created (implicitly) where missing; an array of tables stands
    /// for its last table; an inline table or a value cannot be extended.
    private mutating func walkHeaderPrefix(_ prefix: ArraySlice<String>, line: Int) throws(TOMLSyntaxError) -> TOMLTable {
        var table = root
        for name in prefix {
            switch table.nodes[name] {
            case nil:
                let child = TOMLTable(kind: .implicit, line: line)
                table.insert(name, .table(child))
                table = child
            case .table(let child)? where child.kind != .inline:
                table = child
            case .tableArray(let tables)?:
                table = tables[tables.count - 1]
            default:
                throw cursor.error("'\(name)' is a value or an inline table, which a header cannot extend", line: line)
            }
        }
        return table
    }

    /// `key = value`, the key possibly dotted (which creates tables inside `table`).
    mutating func parseKeyValue(
        into table: TOMLTable,
        path: [String],
        inline: Bool,
        depth: Int
    ) throws(TOMLSyntaxError) {
        let line = cursor.line
        let key = try parseKey()
        guard cursor.peek == UInt8(ascii: "=") else { throw cursor.error("expected '=' after the key") }
        cursor.advance()
        cursor.skipWhitespace()
        let fullPath = path + key
        if !inline { record(fullPath, line) }
        var target = table
        for name in key.dropLast() {
            switch target.nodes[name] {
            case nil:
                // Inside an inline table too: the inline table itself is closed to everything outside it.
                let child = TOMLTable(kind: .dotted, line: line)
                target.insert(name, .table(child))
                target = child
            case .table(let child)? where child.kind == .dotted:
                target = child
            default:
                throw cursor.error("'\((path + key).joined(separator: "."))' extends '\(name)', which is already defined", line: line)
            }
        }
        let name = key[key.count - 1]
        guard target.nodes[name] == nil else {
            throw cursor.error("'\(fullPath.joined(separator: "."))' is already defined (line \(keyLines[fullPath] ?? line))", line: line)
        }
        let value = try parseValue(depth: depth)
        target.insert(name, value)
    }

    private mutating func record(_ path: [String], _ line: Int) {
        for end in 1...path.count where keyLines[Array(path[..<end])] == nil {
            keyLines[Array(path[..<end])] = line
        }
    }
}

/// A table of the document, a reference so that a header can add to a table met earlier.
final class TOMLTable {
    enum Kind {
        /// Defined by a `[header]` (or the root, or an element of `[[array]]`).
        case explicit
        /// Created by a header's dotted prefix; a later header may still define it once.
        case implicit
        /// Created by a dotted key; only more dotted keys may add to it.
        case dotted
        /// `{ ... }`: complete where it is written.
        case inline
    }

    var kind: Kind
    let line: Int
    var nodes: [String: TOMLNode] = [:]
    /// Keys in the order written.
    var order: [String] = []

    init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    func insert(_ name: String, _ node: TOMLNode) {
        nodes[name] = node
        order.append(name)
    }
}

/// One key's content.
enum TOMLNode {
    case value(TOMLFile.Value)
    case table(TOMLTable)
    /// `[[name]]`: unlike a static array, later headers may append to it.
    case tableArray([TOMLTable])
}

/// A syntax or structure error at a line and column (both 1-based).
struct TOMLSyntaxError: Error {
    var line: Int
    var column: Int
    var reason: String
}
