extension TOMLParser {
    /// An integer, a float, or a date/time: one token up to the next value terminator.
    mutating func parseNumberOrDate() throws(TOMLSyntaxError) -> TOMLFile.Value {
        let start = cursor.index
        let column = cursor.column
        while let byte = cursor.peek, !Self.endsValue(byte) { cursor.advance() }
        var token = cursor.text(from: start)
        // A date-time may separate its date and time by a space: "1979-05-27 07:32:00Z".
        if Self.isFullDate(token[...]), cursor.peek == UInt8(ascii: " "), TOMLCursor.isDigit(cursor.peek(at: 1)),
            TOMLCursor.isDigit(cursor.peek(at: 2)), cursor.peek(at: 3) == UInt8(ascii: ":")
        {
            cursor.advance()
            while let byte = cursor.peek, !Self.endsValue(byte) { cursor.advance() }
            token = cursor.text(from: start)
        }
        guard !token.isEmpty else { throw cursor.error("expected a value, found \(cursor.describeNext())") }
        if let value = Self.number(token) ?? Self.dateTime(token) { return value }
        throw TOMLSyntaxError(line: cursor.line, column: column, reason: "'\(token)' is no TOML value")
    }

    private static func endsValue(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","),
            UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#"):
            return true
        default:
            return false
        }
    }

    // MARK: Numbers

    static func number(_ token: String) -> TOMLFile.Value? {
        switch token {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        for (prefix, radix, isDigit) in [("0x", 16, isHex), ("0o", 8, isOctal), ("0b", 2, isBinary)]
        where token.hasPrefix(prefix) {
            let digits = token.dropFirst(2)
            guard isDigitGroups(digits, isDigit) else { return nil }
            return Int(digits.filter { $0 != "_" }, radix: radix).map { .integer($0) }
        }
        var body = token[...]
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        let exponentAt = body.firstIndex { $0 == "e" || $0 == "E" }
        let mantissa = body[..<(exponentAt ?? body.endIndex)]
        let dotAt = mantissa.firstIndex(of: ".")
        let integerPart = mantissa[..<(dotAt ?? mantissa.endIndex)]
        guard isDigitGroups(integerPart, isDecimal), integerPart == "0" || integerPart.first != "0" else { return nil }
        if let dotAt {
            guard isDigitGroups(mantissa[mantissa.index(after: dotAt)...], isDecimal) else { return nil }
        }
        if let exponentAt {
            var exponent = body[body.index(after: exponentAt)...]
            if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
            guard isDigitGroups(exponent, isDecimal) else { return nil }
        }
        let plain = token.filter { $0 != "_" }
        if dotAt == nil && exponentAt == nil {
            return Int(plain).map { .integer($0) }
        }
        guard let value = Double(plain), value.isFinite else { return nil }
        return .float(value)
    }

    /// Digits with single underscores between them, at least one digit.
    private static func isDigitGroups(_ text: Substring, _ isDigit: (Character) -> Bool) -> Bool {
        guard let first = text.first, let last = text.last, isDigit(first), isDigit(last) else { return false }
        var previousWasUnderscore = false
        for character in text {
            if character == "_" {
                if previousWasUnderscore { return false }
                previousWasUnderscore = true
            } else {
                guard isDigit(character) else { return false }
                previousWasUnderscore = false
            }
        }
        return true
    }

    private static func isDecimal(_ c: Character) -> Bool { c >= "0" && c <= "9" }
    private static func isHex(_ c: Character) -> Bool { c.isASCII && c.isHexDigit }
    private static func isOctal(_ c: Character) -> Bool { c >= "0" && c <= "7" }
    private static func isBinary(_ c: Character) -> Bool { c == "0" || c == "1" }

    // MARK: Dates and times (RFC 3339 as TOML 1.0 takes it; kept as written)

    static func dateTime(_ token: String) -> TOMLFile.Value? {
        let text = Array(token.utf8)
        if isFullDate(token[...]) {
            guard text.count > 10 else { return .dateTime(token) }  // local date
            guard text[10] == UInt8(ascii: "T") || text[10] == UInt8(ascii: "t") || text[10] == UInt8(ascii: " "),
                let timeEnd = partialTimeEnd(text, from: 11)
            else { return nil }
            return offsetIsValid(text[timeEnd...]) ? .dateTime(token) : nil
        }
        return partialTimeEnd(text, from: 0) == text.count ? .dateTime(token) : nil  // local time
    }

    /// YYYY-MM-DD at the start of `text`, with a day that exists in that month.
    static func isFullDate(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8.prefix(10))
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
            (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// HH:MM:SS(.fraction)? starting at `start`; the index after it.
    private static func partialTimeEnd(_ text: [UInt8], from start: Int) -> Int? {
        guard text.count >= start + 8, text[start + 2] == UInt8(ascii: ":"), text[start + 5] == UInt8(ascii: ":"),
            let hour = number(text, start, 2), let minute = number(text, start + 3, 2),
            let second = number(text, start + 6, 2), hour < 24, minute < 60, second <= 60
        else { return nil }
        var end = start + 8
        if end < text.count && text[end] == UInt8(ascii: ".") {
            end += 1
            let digitsStart = end
            while end < text.count && TOMLCursor.isDigit(text[end]) { end += 1 }
            guard end > digitsStart else { return nil }
        }
        return end
    }

    /// Nothing (a local date-time), Z, or ±HH:MM.
    private static func offsetIsValid(_ offset: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(offset)
        if bytes.isEmpty { return true }
        if bytes == [UInt8(ascii: "Z")] || bytes == [UInt8(ascii: "z")] { return true }
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            bytes[3] == UInt8(ascii: ":"), let hour = number(bytes, 1, 2), let minute = number(bytes, 4, 2)
        else { return false }
        return hour < 24 && minute < 60
    }

    /// `count` decimal digits at `start`.
    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard TOMLCursor.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
