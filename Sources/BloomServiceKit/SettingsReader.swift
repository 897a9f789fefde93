internal import Configuration
import Foundation

/// Reads the common options through swift-configuration's `ConfigReader` over the layers (highest precedence
/// first), checks each value against its option's kind, and records where each came from.
struct SettingsReader {
    private let layers: [ConfigurationLayer]
    private let options: [OptionSpec]
    private let reader: ConfigReader
    private let recorder = AccessRecorder()
    /// What each read resolved to, in reading order.
    private(set) var provenance: [NodeConfiguration.Provenance] = []

    /// Builds the providers; a flag or file value of the wrong type is an error here, before anything is read.
    init(layers: [ConfigurationLayer], options: [OptionSpec] = CommonOptions.all) throws(ConfigurationError) {
        var providers: [any ConfigProvider] = []
        for layer in layers { providers.append(try layer.provider(options: options)) }
        self.layers = layers
        self.options = options
        reader = ConfigReader(providers: providers, accessReporter: recorder)
    }

    private func spec(_ name: String) -> OptionSpec {
        // Names passed here are literals of the option set; an unknown one is a programming error.
        guard let option = options.first(where: { $0.name == name }) else {
            preconditionFailure("\(name) is not an option")
        }
        return option
    }

    /// Reads `option` as `type`; `nil` when no layer sets it. A layer that holds a value it cannot convert (an
    /// environment variable that is no integer) is an error naming that layer.
    private mutating func read<Value>(
        _ option: OptionSpec,
        _ get: (ConfigReader, ConfigKey, Bool) -> Value?
    ) throws(ConfigurationError) -> (Value, SettingOrigin)? {
        let value = get(reader, ConfigKey([option.name]), option.isSecret)
        // swift-configuration reports every provider's answer to the access reporter: the first that failed or
        // had the value is the one that decided.
        let results = recorder.takeLast()?.providerResults ?? []
        for (index, result) in results.enumerated() where index < layers.count {
            let layer = layers[index]
            let unusable = ConfigurationError(
                origin: layer.origin(of: option),
                field: option.name,
                reason: "'\(layer.rawText(of: option))' is not \(option.kind.expected)"
            )
            switch result.result {
            case .failure: throw unusable
            case .success(let lookup) where lookup.value != nil:
                // Found but not converted: the typed layers make this unreachable; refuse rather than default.
                guard let value else { throw unusable }
                return (value, layer.origin(of: option))
            case .success: continue
            }
        }
        return nil
    }

    private mutating func record(_ option: OptionSpec, _ value: String, _ origin: SettingOrigin) {
        let secret = option.isSecret && origin != .defaultValue
        provenance.append(
            NodeConfiguration.Provenance(
                name: option.name,
                value: secret ? "<redacted>" : value,
                origin: origin,
                comparable: secret ? String(value.hashValue) : value
            )
        )
    }

    /// A string option, or `nil` when no layer sets it.
    mutating func string(_ name: String) throws(ConfigurationError) -> String? {
        let option = spec(name)
        guard let (text, origin) = try read(option, { $0.string(forKey: $1, isSecret: $2) }) else { return nil }
        record(option, text, origin)
        return text
    }

    /// A string option with a default.
    mutating func string(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        if let value = try string(name) { return value }
        record(spec(name), fallback, .defaultValue)
        return fallback
    }

    /// A choice option with a default.
    mutating func choice(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        let option = spec(name)
        guard case .choice(let words) = option.kind else { preconditionFailure("\(name) is not a choice") }
        guard let (text, origin) = try read(option, { $0.string(forKey: $1, isSecret: $2) }) else {
            record(option, fallback, .defaultValue)
            return fallback
        }
        guard words.contains(text) else {
            throw ConfigurationError(
                origin: origin,
                field: name,
                reason: "'\(text)' is not one of \(words.joined(separator: ", "))"
            )
        }
        record(option, text, origin)
        return text
    }

    /// An integer option with a default, checked against the option's range.
    mutating func integer(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        let option = spec(name)
        guard case .integer(let range) = option.kind else { preconditionFailure("\(name) is not an integer") }
        guard let (value, origin) = try read(option, { $0.int(forKey: $1, isSecret: $2) }) else {
            record(option, String(fallback), .defaultValue)
            return fallback
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                origin: origin,
                field: name,
                reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)"
            )
        }
        record(option, String(value), origin)
        return value
    }

    /// A number option with a default, checked against the option's range (NaN and infinities refused).
    mutating func number(_ name: String, default fallback: Double) throws(ConfigurationError) -> Double {
        let option = spec(name)
        guard case .number(let range) = option.kind else { preconditionFailure("\(name) is not a number") }
        guard let (value, origin) = try read(option, { $0.double(forKey: $1, isSecret: $2) }) else {
            record(option, String(fallback), .defaultValue)
            return fallback
        }
        guard value.isFinite else {
            throw ConfigurationError(origin: origin, field: name, reason: "'\(value)' is not a finite number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                origin: origin,
                field: name,
                reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)"
            )
        }
        record(option, String(value), origin)
        return value
    }

    /// A boolean option with a default.
    mutating func boolean(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        let option = spec(name)
        guard let (value, origin) = try read(option, { $0.bool(forKey: $1, isSecret: $2) }) else {
            record(option, String(fallback), .defaultValue)
            return fallback
        }
        record(option, String(value), origin)
        return value
    }

    /// A list option; empty when no layer sets it.
    mutating func list(_ name: String) throws(ConfigurationError) -> [String] {
        let option = spec(name)
        guard let (found, origin) = try read(option, { $0.stringArray(forKey: $1, isSecret: $2) }) else {
            record(option, "[]", .defaultValue)
            return []
        }
        // `BLOOM_CONNECT=` (or a trailing comma) sets an empty list, not a list holding an empty address.
        let values = found.filter { !$0.isEmpty }
        record(option, "[" + values.joined(separator: ", ") + "]", origin)
        return values
    }
}

extension OptionKind {
    /// What a value of this kind is, for "'x' is not …" errors.
    var expected: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a finite number"
        case .boolean: "true or false"
        case .list: "a list of strings"
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        }
    }
}

/// Keeps the last access event swift-configuration reports, so the reader can see which provider answered.
private final class AccessRecorder: AccessReporter, @unchecked Sendable {
    // @unchecked: `last` is guarded by `lock`.
    private let lock = NSLock()
    private var last: AccessEvent?

    func report(_ event: AccessEvent) {
        lock.withLock { last = event }
    }

    func takeLast() -> AccessEvent? {
        lock.withLock {
            defer { last = nil }
            return last
        }
    }
}
