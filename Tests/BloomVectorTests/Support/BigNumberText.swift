/// Text forms of unbounded integers held as bytes, for comparing with the vectors' decimal and hex strings.
enum BigNumberText {
    /// Decimal digits of the unsigned integer whose big-endian bytes are given ("0" for none or all zero).
    static func decimal(bigEndian: [UInt8]) -> String {
        var number = Array(bigEndian.drop { $0 == 0 })
        var digits: [UInt8] = []
        // Repeated long division by 10, most significant byte first.
        while !number.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            quotient.reserveCapacity(number.count)
            for byte in number {
                let value = remainder * 256 + Int(byte)
                let q = value / 10
                remainder = value % 10
                if !(quotient.isEmpty && q == 0) { quotient.append(UInt8(q)) }
            }
            digits.append(UInt8(remainder))
            number = quotient
        }
        if digits.isEmpty { return "0" }
        return String(digits.reversed().map { Character(String($0)) })
    }

    /// Lowercase hex without leading zero digits ("0" for zero), as Python's `format(n, 'x')`.
    static func hex(bigEndian: [UInt8]) -> String {
        let text = bigEndian.hexString.drop { $0 == "0" }
        return text.isEmpty ? "0" : String(text)
    }
}
