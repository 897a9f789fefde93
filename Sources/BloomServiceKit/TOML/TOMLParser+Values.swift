extension TOMLParser {
    /// The value after `=` (or inside an array).
    mutating func parseValue(depth: Int) throws(TOMLSyntaxError) -> TOMLNode {
        guard depth < Self.maximumDepth else {
            throw cursor.error("arrays and inline tables nested deeper than \(Self.maximumDepth)")
        }
        switch cursor.peek {
        case UInt8(ascii: "\"")?:
            let multiline = cursor.hasPrefix("\"\"\"")
            return .value(.string(try parseBasicString(multiline: multiline)))
        case UInt8(ascii: "'")?:
            let multiline = cursor.hasPrefix("'''")
            return .value(.string(try parseLiteralString(multiline: multiline)))
        case UInt8(ascii: "[")?:
            return .value(try parseArray(depth: depth + 1))
        case UInt8(ascii: "{")?:
            return .table(try parseInlineTable(depth: depth + 1))
        case UInt8(ascii: "t")?, UInt8(ascii: "f")?:
            if cursor.hasPrefix("true") {
                cursor.advance(by: 4)
                return .value(.boolean(true))
            }
            if cursor.hasPrefix("false") {
                cursor.advance(by: 5)
                return .value(.boolean(false))
            }
        case nil:
            throw cursor.error("expected a value, found the end of the file")
        default:
            break
        }
        return .value(try parseNumberOrDate())
    }

    // MARK: Strings

    /// `"..."` or `"""..."""`, with escapes.
    mutating func parseBasicString(multiline: Bool) throws(TOMLSyntaxError) -> String {
        cursor.advance(by: multiline ? 3 : 1)
        if multiline { _ = cursor.consumeNewline() }  // a newline right after the opening quotes is dropped
        var scalars = String.UnicodeScalarView()
        var chunkStart = cursor.index
        func flush(_ cursor: TOMLCursor) {
            scalars.append(contentsOf: cursor.text(from: chunkStart).unicodeScalars)
        }
        while true {
            guard let byte = cursor.peek else { throw cursor.error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                if !multiline {
                    flush(cursor)
                    cursor.advance()
                    return String(scalars)
                }
                if cursor.hasPrefix("\"\"\"") {
                    // Up to two quotes may end the content right before the closing three.
                    var quotes = 3
                    while quotes < 5 && cursor.peek(at: quotes) == UInt8(ascii: "\"") { quotes += 1 }
                    cursor.advance(by: quotes - 3)
                    flush(cursor)
                    cursor.advance(by: 3)
                    return String(scalars)
                }
                cursor.advance()
            case UInt8(ascii: "\\"):
                flush(cursor)
                cursor.advance()
                if multiline, try skipLineEndingBackslash() {
                    chunkStart = cursor.index
                    continue
                }
                scalars.append(try parseEscape())
                chunkStart = cursor.index
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                guard multiline else { throw cursor.error("newline in a string (use \"\"\" for a multi-line string)") }
                guard cursor.consumeNewline() else { throw cursor.error("a carriage return not followed by a newline") }
            default:
                guard !TOMLCursor.isControl(byte) else { throw cursor.error("control character in a string: escape it") }
                cursor.advance()
            }
        }
    }

    /// After a backslash in a multi-line basic string: `\` then whitespace to the end of the line trims every
    /// following whitespace and newline. False if the backslash starts an ordinary escape.
    private mutating func skipLineEndingBackslash() throws(TOMLSyntaxError) -> Bool {
        var offset = 0
        while cursor.peek(at: offset) == UInt8(ascii: " ") || cursor.peek(at: offset) == UInt8(ascii: "\t") { offset += 1 }
        let next = cursor.peek(at: offset)
        guard next == UInt8(ascii: "\n") || (next == UInt8(ascii: "\r") && cursor.peek(at: offset + 1) == UInt8(ascii: "\n"))
        else { return false }
        cursor.advance(by: offset)
        while true {
            cursor.skipWhitespace()
            if !cursor.consumeNewline() { return true }
        }
    }

    private mutating func parseEscape() throws(TOMLSyntaxError) -> Unicode.Scalar {
        guard let byte = cursor.peek else { throw cursor.error("unterminated string") }
        cursor.advance()
        switch byte {
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = byte == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let digit = cursor.peek.flatMap(Self.hexDigit) else {
                    throw cursor.error("\\\(Character(Unicode.Scalar(byte))) needs \(count) hex digits")
                }
                value = value << 4 | UInt32(digit)
                cursor.advance()
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw cursor.error("\\\(Character(Unicode.Scalar(byte))) escape is no Unicode scalar value")
            }
            return scalar
        default:
            throw cursor.error("unknown escape '\\\(cursor.describeNextByte(byte))'")
        }
    }

    /// `'...'` or `'''...'''`: no escapes.
    mutating func parseLiteralString(multiline: Bool) throws(TOMLSyntaxError) -> String {
        cursor.advance(by: multiline ? 3 : 1)
        if multiline { _ = cursor.consumeNewline() }
        var text = ""
        var chunkStart = cursor.index
        while true {
            guard let byte = cursor.peek else { throw cursor.error("unterminated string") }
            switch byte {
            case UInt8(ascii: "'"):
                if !multiline {
                    text += cursor.text(from: chunkStart)
                    cursor.advance()
                    return text
                }
                if cursor.hasPrefix("'''") {
                    var quotes = 3
                    while quotes < 5 && cursor.peek(at: quotes) == UInt8(ascii: "'") { quotes += 1 }
                    cursor.advance(by: quotes - 3)
                    text += cursor.text(from: chunkStart)
                    cursor.advance(by: 3)
                    return text
                }
                cursor.advance()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                guard multiline else { throw cursor.error("newline in a string (use ''' for a multi-line string)") }
                text += cursor.text(from: chunkStart)
                let isCRLF = byte == UInt8(ascii: "\r")
                guard cursor.consumeNewline() else { throw cursor.error("a carriage return not followed by a newline") }
                text += isCRLF ? "\r\n" : "\n"
                chunkStart = cursor.index
            default:
                guard !TOMLCursor.isControl(byte) else { throw cursor.error("control character in a string") }
                cursor.advance()
            }
        }
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: Arrays and inline tables

    /// `[ v, v, ]`: newlines and comments allowed between values, a trailing comma allowed.
    private mutating func parseArray(depth: Int) throws(TOMLSyntaxError) -> TOMLFile.Value {
        cursor.advance()
        var values: [TOMLFile.Value] = []
        while true {
            try cursor.skipWhitespaceCommentsAndNewlines()
            if cursor.peek == UInt8(ascii: "]") {
                cursor.advance()
                return .array(values)
            }
            switch try parseValue(depth: depth) {
            case .value(let value): values.append(value)
            case .table, .tableArray: values.append(.table)
            }
            try cursor.skipWhitespaceCommentsAndNewlines()
            switch cursor.peek {
            case UInt8(ascii: ",")?:
                cursor.advance()
            case UInt8(ascii: "]")?:
                cursor.advance()
                return .array(values)
            default:
                throw cursor.error("expected ',' or ']' in an array, found \(cursor.describeNext())")
            }
        }
    }

    /// `{ k = v, k.l = v }` on one line, no trailing comma; complete where it is written.
    private mutating func parseInlineTable(depth: Int) throws(TOMLSyntaxError) -> TOMLTable {
        let table = TOMLTable(kind: .inline, line: cursor.line)
        cursor.advance()
        cursor.skipWhitespace()
        if cursor.peek == UInt8(ascii: "}") {
            cursor.advance()
            return table
        }
        while true {
            try parseKeyValue(into: table, path: [], inline: true, depth: depth)
            cursor.skipWhitespace()
            switch cursor.peek {
            case UInt8(ascii: ",")?:
                cursor.advance()
            case UInt8(ascii: "}")?:
                cursor.advance()
                return table
            default:
                throw cursor.error("expected ',' or '}' in an inline table, found \(cursor.describeNext())")
            }
        }
    }
}

extension TOMLCursor {
    /// A byte already consumed, for an error.
    func describeNextByte(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "byte \(byte)"
    }
}
