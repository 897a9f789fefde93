/// A position in a TOML document's bytes that counts lines, with the byte classes TOML's grammar uses.
struct TOMLCursor {
    let bytes: [UInt8]
    private(set) var index = 0
    private(set) var line = 1
    private var lineStart = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// 1-based column (in bytes) of the current position.
    var column: Int { index - lineStart + 1 }

    func peek(at offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    /// Whether the next bytes are `literal`.
    func hasPrefix(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
    }

    mutating func advance(by count: Int = 1) { index = min(index + count, bytes.count) }

    /// Consumes a newline (LF or CRLF) if one is next.
    mutating func consumeNewline() -> Bool {
        if peek == UInt8(ascii: "\n") {
            advance()
        } else if peek == UInt8(ascii: "\r") && peek(at: 1) == UInt8(ascii: "\n") {
            advance(by: 2)
        } else {
            return false
        }
        line += 1
        lineStart = index
        return true
    }

    /// Spaces and tabs.
    mutating func skipWhitespace() {
        while peek == UInt8(ascii: " ") || peek == UInt8(ascii: "\t") { advance() }
    }

    /// Whitespace, newlines and comments, as allowed between the values of an array.
    mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLSyntaxError) {
        while true {
            skipWhitespace()
            if peek == UInt8(ascii: "#") { try skipComment() }
            if !consumeNewline() { return }
        }
    }

    /// After a statement: optional whitespace, an optional comment, then a newline or the end.
    mutating func expectLineEnd() throws(TOMLSyntaxError) {
        skipWhitespace()
        if peek == UInt8(ascii: "#") { try skipComment() }
        guard peek == nil || consumeNewline() else {
            throw error("expected the end of the line, found \(describeNext())")
        }
    }

    /// `#` to the end of the line; a comment holds no control character but tab.
    private mutating func skipComment() throws(TOMLSyntaxError) {
        advance()
        while let byte = peek, byte != UInt8(ascii: "\n") {
            if byte == UInt8(ascii: "\r") && peek(at: 1) == UInt8(ascii: "\n") { return }
            guard !Self.isControl(byte) else { throw error("control character 0x\(hex(byte)) in a comment") }
            advance()
        }
    }

    /// The bytes from `start` to here as text (the input came from a `String`, so it is valid UTF-8).
    func text(from start: Int) -> String {
        String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// An error at the current position (or at the start of `line`).
    func error(_ reason: String, line errorLine: Int? = nil) -> TOMLSyntaxError {
        if let errorLine, errorLine != line {
            return TOMLSyntaxError(line: errorLine, column: 1, reason: reason)
        }
        return TOMLSyntaxError(line: line, column: column, reason: reason)
    }

    /// The next byte, for an error.
    func describeNext() -> String {
        guard let byte = peek else { return "the end of the file" }
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hex(byte))"
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    static func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Control characters TOML refuses in strings and comments (tab is allowed).
    static func isControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}
