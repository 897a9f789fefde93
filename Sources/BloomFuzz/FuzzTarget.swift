/// One fuzz target: a decoder that reads outside bytes, and the property its output must satisfy.
///
/// ``check`` is total on any input: a decoder that rejects the bytes is fine (that is its job); a trap inside the
/// decoder, or a decoded value that breaks the property, is a finding. The same check runs under libFuzzer
/// (`bloom-fuzz fuzz`, built by `Scripts/fuzz`) and in-process over the kept regression inputs
/// (`BloomFuzzTests`), so a fixed crash stays fixed in the ordinary suite.
public struct FuzzTarget: Sendable {
    /// The name used by `Scripts/fuzz` and as the regression directory (`Tests/BloomFuzzTests/FuzzRegressions/<name>`).
    public let name: String
    /// One line: what is decoded and which property is checked.
    public let summary: String
    /// The longest input libFuzzer makes for this target (`-max_len`), or nil to let libFuzzer choose from the
    /// seeds. Set where a seed is far longer than the inputs worth mutating: libFuzzer's choice is the longest seed.
    public let maximumInputLength: Int?
    /// Runs the decoder on `input` and checks the property.
    public let check: @Sendable ([UInt8]) throws(PropertyViolation) -> Void

    /// A target; `check` must not trap on any input.
    public init(
        _ name: String,
        _ summary: String,
        maximumInputLength: Int? = nil,
        check: @escaping @Sendable ([UInt8]) throws(PropertyViolation) -> Void
    ) {
        self.name = name
        self.summary = summary
        self.maximumInputLength = maximumInputLength
        self.check = check
    }
}

/// A decoder accepted bytes and broke its property (a round trip that changed the value, a limit exceeded).
public struct PropertyViolation: Error, Sendable, CustomStringConvertible {
    /// The target that found it.
    public var target: String
    /// What went wrong, with the values involved.
    public var detail: String

    /// A violation found by `target`.
    public init(_ target: String, _ detail: String) {
        self.target = target
        self.detail = detail
    }

    /// `target: detail`.
    public var description: String { "\(target): \(detail)" }
}

/// Helpers shared by the targets' checks.
enum Expect {
    /// Throws unless `condition` holds.
    static func that(
        _ condition: Bool,
        _ target: String,
        _ detail: @autoclosure () -> String
    ) throws(PropertyViolation) {
        if !condition { throw PropertyViolation(target, detail()) }
    }
}

/// Reads the control bytes some targets take from the front of an input (chunk sizes, flags), then the rest.
///
/// Missing bytes read as zero, so every input, even an empty one, is a valid test case.
struct FuzzInput {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next byte, or 0 past the end.
    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next two bytes, little-endian.
    mutating func u16() -> UInt16 { UInt16(byte()) | UInt16(byte()) << 8 }

    /// Every byte not read yet.
    var rest: [UInt8] { position < bytes.count ? Array(bytes[position...]) : [] }
}
