/// Scans one line of the TOML subset described on `TOMLValue`. Every failure names the file and line.
struct TOMLLineScanner {
    private let bytes: [UInt8]
    private var index = 0
    private let file: String
    private let line: Int

    init(_ bytes: [UInt8], file: String, line: Int) {
        // A CRLF file is accepted: the carriage return is layout, not content.
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        self.bytes = bytes
        self.file = file
        self.line = line
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    var atEndOrComment: Bool { peek == nil || peek == UInt8(ascii: "#") }

    func error(_ message: String) -> TOMLError {
        TOMLError(file: file, line: line, message: message)
    }

    mutating func skipSpaces() throws(TOMLError) {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    /// After a complete construct only spaces and a comment may follow.
    mutating func expectLineEnd() throws(TOMLError) {
        try skipSpaces()
        if !atEndOrComment { throw error("unexpected text after the value: '\(rest)'") }
    }

    private var rest: String { String(decoding: bytes[index...], as: UTF8.self) }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    private mutating func bareKey(what: String) throws(TOMLError) -> String {
        let start = index
        while let byte = peek, Self.isBareKeyByte(byte) { index += 1 }
        if index == start { throw error("expected a \(what) (letters, digits, '_' or '-'), found '\(rest)'") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func tableHeader() throws(TOMLError) -> String {
        index += 1  // the '['
        try skipSpaces()
        let name = try bareKey(what: "table name")
        try skipSpaces()
        guard peek == UInt8(ascii: "]") else { throw error("table header [\(name) is not closed with ']'") }
        index += 1
        try expectLineEnd()
        return name
    }

    mutating func keyValue() throws(TOMLError) -> TOMLEntry {
        let key = try bareKey(what: "key")
        try skipSpaces()
        if peek == UInt8(ascii: ".") { throw error("dotted keys are not supported ('\(key).…')") }
        guard peek == UInt8(ascii: "=") else { throw error("expected '=' after key '\(key)'") }
        index += 1
        try skipSpaces()
        guard peek != nil else { throw error("key '\(key)' has no value") }
        let value = try self.value(key: key)
        try expectLineEnd()
        return TOMLEntry(key: key, value: value, line: line)
    }

    private mutating func value(key: String) throws(TOMLError) -> TOMLValue {
        switch peek {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"): return .string(try literalString())
        case UInt8(ascii: "["): return .stringArray(try stringArray(key: key))
        default: return try scalar(key: key)
        }
    }

    private mutating func stringArray(key: String) throws(TOMLError) -> [String] {
        index += 1  // the '['
        var items: [String] = []
        while true {
            try skipSpaces()
            switch peek {
            case UInt8(ascii: "]"):
                index += 1
                return items
            case UInt8(ascii: "\""): items.append(try basicString())
            case UInt8(ascii: "'"): items.append(try literalString())
            case nil, UInt8(ascii: "#"):
                throw error("array '\(key)' is not closed on its line (arrays must fit on one line)")
            default: throw error("array '\(key)' may hold only strings, found '\(rest)'")
            }
            try skipSpaces()
            if peek == UInt8(ascii: ",") {
                index += 1
            } else if peek != UInt8(ascii: "]") {
                throw error("expected ',' or ']' in array '\(key)'")
            }
        }
    }

    private mutating func literalString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while let byte = peek, byte != UInt8(ascii: "'") { index += 1 }
        guard peek != nil else { throw error("string is not closed with '") }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return text
    }

    private mutating func basicString() throws(TOMLError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek else { throw error("string is not closed with \"") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw error("string ends inside an escape") }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
                default: throw error("unknown escape '\\\(Character(Unicode.Scalar(escaped)))' in string")
                }
            default:
                if byte < 0x20 && byte != UInt8(ascii: "\t") { throw error("control character in string") }
                out.append(byte)
            }
        }
    }

    private mutating func unicodeEscape() throws(TOMLError) -> [UInt8] {
        guard index + 4 <= bytes.count,
            let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
            let scalar = Unicode.Scalar(code)
        else { throw error("\\u needs four hex digits naming a Unicode scalar") }
        index += 4
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func scalar(key: String) throws(TOMLError) -> TOMLValue {
        let start = index
        while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "#") {
            index += 1
        }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        if token == "true" { return .boolean(true) }
        if token == "false" { return .boolean(false) }
        let digits = token.replacingUnderscores()
        if let integer = Int(digits) { return .integer(integer) }
        if token.contains(where: { $0.isNumber }), let float = Double(digits), float.isFinite {
            return .float(float)
        }
        throw error("value of '\(key)' is not a string, number, boolean or array: '\(token)'")
    }
}

extension String {
    /// TOML allows `_` between digits (`1_000`); only single underscores between digits are accepted.
    fileprivate func replacingUnderscores() -> String {
        let characters = Array(self)
        var out = ""
        for (offset, character) in characters.enumerated() {
            if character == "_" {
                let before = offset > 0 ? characters[offset - 1] : " "
                let after = offset + 1 < characters.count ? characters[offset + 1] : " "
                guard before.isNumber, after.isNumber else { return "invalid" }
                continue
            }
            out.append(character)
        }
        return out
    }
}
