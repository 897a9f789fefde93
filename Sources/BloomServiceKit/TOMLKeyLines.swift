/// The line on which each key of a TOML document is written, so that an error can name it.
///
/// TOMLKit parses and validates the document; it keeps no source positions for values (toml++ does, but TOMLKit's
/// C shim exposes a position only for a syntax error). This scan runs only over text TOMLKit has accepted, and
/// decides nothing about values: it follows table headers and `key =` at the start of a statement, and skips
/// strings, comments and the inside of arrays and inline tables. A key inside an inline table or written as a
/// table header gets the line of the nearest enclosing key that has one.
struct TOMLKeyLines: Equatable, Sendable {
    private var lines: [[String]: Int] = [:]

    /// The 1-based line of `keyPath`, or of its longest prefix that has one; 0 when none has.
    func line(of keyPath: [String]) -> Int {
        var path = keyPath
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return 0
    }

    init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        var table: [String] = []
        while scanner.skipToStatement() {
            let line = scanner.line
            if scanner.peek == UInt8(ascii: "[") {
                scanner.advance()
                if scanner.peek == UInt8(ascii: "[") { scanner.advance() }  // [[array of tables]]
                table = scanner.keyPath()
                record(table, line)
                scanner.skipValue()
            } else {
                let key = scanner.keyPath()
                record(table + key, line)
                scanner.skipValue()  // after the '=' (a malformed line just ends the statement)
            }
        }
    }

    private mutating func record(_ path: [String], _ line: Int) {
        guard !path.isEmpty, lines[path] == nil else { return }
        lines[path] = line
        // Dotted keys and headers define their parent tables on the same line, unless a line already has.
        for end in stride(from: path.count - 1, to: 0, by: -1) where lines[Array(path[..<end])] == nil {
            lines[Array(path[..<end])] = line
        }
    }
}

extension TOMLKeyLines {
    /// A cursor over the bytes that counts lines.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1

        init(bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func advance() {
            if peek == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }

        /// Three `quote`s in a row at the cursor: a multi-line string's delimiter.
        private func atTriple(_ quote: UInt8) -> Bool {
            index + 2 < bytes.count && bytes[index] == quote && bytes[index + 1] == quote && bytes[index + 2] == quote
        }

        /// Skips blank space, newlines and comments; false at the end of the text.
        mutating func skipToStatement() -> Bool {
            while let byte = peek {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): advance()
                case UInt8(ascii: "#"): skipComment()
                default: return true
                }
            }
            return false
        }

        private mutating func skipComment() {
            while let byte = peek, byte != UInt8(ascii: "\n") { advance() }
        }

        private mutating func skipBlanks() {
            while peek == UInt8(ascii: " ") || peek == UInt8(ascii: "\t") { advance() }
        }

        /// `a."b c".'d'` up to `=`, `]` or the end of the line.
        mutating func keyPath() -> [String] {
            var path: [String] = []
            while true {
                skipBlanks()
                guard let byte = peek else { return path }
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "'"): path.append(quotedKey(byte))
                default:
                    let start = index
                    while let next = peek, Self.isBareKeyByte(next) { advance() }
                    if index == start { return path }
                    path.append(String(decoding: bytes[start..<index], as: UTF8.self))
                }
                skipBlanks()
                guard peek == UInt8(ascii: ".") else { return path }
                advance()
            }
        }

        private static func isBareKeyByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }

        /// A quoted key; in a basic string only `\"` and `\\` matter for finding the end, other escapes are kept
        /// as written (such a key is then simply not found, and the error names its table's line).
        private mutating func quotedKey(_ quote: UInt8) -> String {
            advance()
            var key: [UInt8] = []
            while let byte = peek, byte != quote, byte != UInt8(ascii: "\n") {
                if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                    advance()
                    if let escaped = peek, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") {
                        key.append(escaped)
                        advance()
                    } else {
                        key.append(byte)
                    }
                    continue
                }
                key.append(byte)
                advance()
            }
            if peek == quote { advance() }
            return String(decoding: key, as: UTF8.self)
        }

        /// Skips the rest of a statement: up to the end of the line outside any string, array or inline table.
        mutating func skipValue() {
            var depth = 0
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\n"):
                    if depth == 0 { return }
                    advance()
                case UInt8(ascii: "#"): skipComment()
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    advance()
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth = max(0, depth - 1)
                    advance()
                case UInt8(ascii: "\""), UInt8(ascii: "'"): skipString(byte)
                default: advance()
                }
            }
        }

        private mutating func skipString(_ quote: UInt8) {
            let multiLine = atTriple(quote)
            for _ in 0..<(multiLine ? 3 : 1) { advance() }
            while let byte = peek {
                if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                    advance()
                    advance()
                    continue
                }
                if byte == quote {
                    if !multiLine {
                        advance()
                        return
                    }
                    if atTriple(quote) {
                        // Up to two more quotes may close a multi-line string ("""a""""" is legal).
                        for _ in 0..<3 { advance() }
                        while peek == quote { advance() }
                        return
                    }
                }
                if byte == UInt8(ascii: "\n") && !multiLine { return }
                advance()
            }
        }
    }
}
