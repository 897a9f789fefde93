/// Reads typed values through an ordered list of sources (first match wins), falling back to defaults, and
/// records where each value came from.
public struct ConfigurationReader: Sendable {
    /// The sources, highest precedence first: flags, environment, file.
    public var sources: [any ConfigurationSource]
    /// What each read resolved to, in reading order: (option, printable value, origin).
    public private(set) var provenance: [(name: String, value: String, origin: SettingOrigin)] = []

    /// Creates a reader over `sources`, highest precedence first.
    public init(sources: [any ConfigurationSource]) { self.sources = sources }

    private func find(_ option: OptionSpec) -> RawSetting? {
        for source in sources {
            if let found = source.lookup(option) { return found }
        }
        return nil
    }

    private mutating func record(_ name: String, _ value: String, _ origin: SettingOrigin) {
        provenance.append((name, value, origin))
    }

    private static func option(_ name: String) -> OptionSpec {
        // Names passed here are literals of the common set; an unknown one is a programming error.
        guard let option = CommonOptions.named(name) else { preconditionFailure("\(name) is not a common option") }
        return option
    }

    private static func single(_ raw: RawSetting, _ option: OptionSpec) throws(ConfigurationError) -> String {
        switch raw.value {
        case .text(let values):
            // Safe: parse and the environment source always give at least one value for a non-list option.
            return values.last ?? ""
        case .toml(.string(let text)): return text
        case .toml(.integer(let integer)): return String(integer)
        case .toml(.float(let float)): return String(float)
        case .toml(.boolean(let flag)): return String(flag)
        case .toml(.stringArray):
            throw ConfigurationError(origin: raw.origin, field: option.name, reason: "expected one value, got an array")
        }
    }

    /// A string option, or `nil` when no source sets it.
    public mutating func string(_ name: String) throws(ConfigurationError) -> String? {
        let option = Self.option(name)
        guard let raw = find(option) else { return nil }
        if case .toml(let value) = raw.value, case .string = value {
        } else if case .toml(let value) = raw.value {
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "expected a string, got \(value.typeName)"
            )
        }
        let text = try Self.single(raw, option)
        record(name, text, raw.origin)
        return text
    }

    /// A string option with a default.
    public mutating func string(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        if let value = try string(name) { return value }
        record(name, fallback, .defaultValue)
        return fallback
    }

    /// A choice option with a default.
    public mutating func choice(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        let option = Self.option(name)
        guard case .choice(let words) = option.kind else { preconditionFailure("\(name) is not a choice") }
        guard let raw = find(option) else {
            record(name, fallback, .defaultValue)
            return fallback
        }
        let text = try Self.single(raw, option)
        guard words.contains(text) else {
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "'\(text)' is not one of \(words.joined(separator: ", "))"
            )
        }
        record(name, text, raw.origin)
        return text
    }

    /// An integer option with a default, checked against the option's range.
    public mutating func integer(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        let option = Self.option(name)
        guard case .integer(let range) = option.kind else { preconditionFailure("\(name) is not an integer") }
        guard let raw = find(option) else {
            record(name, String(fallback), .defaultValue)
            return fallback
        }
        if case .toml(let value) = raw.value, value.typeName != TOMLValue.integer(0).typeName {
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "expected an integer, got \(value.typeName)"
            )
        }
        let text = try Self.single(raw, option)
        guard let value = Int(text) else {
            throw ConfigurationError(origin: raw.origin, field: name, reason: "'\(text)' is not an integer")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)"
            )
        }
        record(name, text, raw.origin)
        return value
    }

    /// A number option with a default, checked against the option's range (NaN and infinities refused).
    public mutating func number(_ name: String, default fallback: Double) throws(ConfigurationError) -> Double {
        let option = Self.option(name)
        guard case .number(let range) = option.kind else { preconditionFailure("\(name) is not a number") }
        guard let raw = find(option) else {
            record(name, String(fallback), .defaultValue)
            return fallback
        }
        switch raw.value {
        case .toml(.integer), .toml(.float), .text: break
        case .toml(let value):
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "expected a number, got \(value.typeName)"
            )
        }
        let text = try Self.single(raw, option)
        guard let value = Double(text), value.isFinite else {
            throw ConfigurationError(origin: raw.origin, field: name, reason: "'\(text)' is not a finite number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "\(text) is outside \(range.lowerBound)...\(range.upperBound)"
            )
        }
        record(name, text, raw.origin)
        return value
    }

    /// A boolean option with a default: `true/false`, `1/0`, `yes/no`, `on/off` from text.
    public mutating func boolean(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        let option = Self.option(name)
        guard let raw = find(option) else {
            record(name, String(fallback), .defaultValue)
            return fallback
        }
        let value: Bool
        switch raw.value {
        case .toml(.boolean(let flag)): value = flag
        case .toml(let other):
            throw ConfigurationError(
                origin: raw.origin,
                field: name,
                reason: "expected a boolean, got \(other.typeName)"
            )
        case .text:
            let text = try Self.single(raw, option).lowercased()
            switch text {
            case "true", "1", "yes", "on": value = true
            case "false", "0", "no", "off": value = false
            default:
                throw ConfigurationError(origin: raw.origin, field: name, reason: "'\(text)' is not true or false")
            }
        }
        record(name, String(value), raw.origin)
        return value
    }

    /// A list option; empty when no source sets it.
    public mutating func list(_ name: String) throws(ConfigurationError) -> [String] {
        let option = Self.option(name)
        guard let raw = find(option) else {
            record(name, "[]", .defaultValue)
            return []
        }
        let values: [String]
        switch raw.value {
        case .text(let texts): values = texts
        case .toml(.stringArray(let texts)): values = texts
        case .toml(.string(let text)): values = [text]
        case .toml(let other):
            throw ConfigurationError(origin: raw.origin, field: name, reason: "expected strings, got \(other.typeName)")
        }
        record(name, "[" + values.joined(separator: ", ") + "]", raw.origin)
        return values
    }
}
