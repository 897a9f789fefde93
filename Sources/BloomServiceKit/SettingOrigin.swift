/// Where a configuration value came from; logged at start-up and named in every configuration error.
public enum SettingOrigin: Equatable, Sendable, CustomStringConvertible {
    /// A command-line flag, e.g. `--port`.
    case flag(String)
    /// An environment variable, e.g. `BLOOM_PORT`.
    case environment(String)
    /// A line of a configuration file.
    case file(path: String, line: Int)
    /// The built-in default.
    case defaultValue

    public var description: String {
        switch self {
        case .flag(let name): "flag \(name)"
        case .environment(let name): "environment \(name)"
        case .file(let path, let line): "\(path):\(line)"
        case .defaultValue: "default"
        }
    }
}

/// A value as a source holds it, before it is checked against the option's type.
public enum RawSettingValue: Equatable, Sendable {
    /// Text from a flag or an environment variable (repeatable flags give several).
    case text([String])
    /// A typed value from a configuration file.
    case toml(TOMLValue)
}

/// One value found in one source.
public struct RawSetting: Equatable, Sendable {
    /// The value as found.
    public var value: RawSettingValue
    /// Where it was found.
    public var origin: SettingOrigin
}

/// A configuration value that cannot be used, naming its source and its field.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// Where the bad value came from.
    public var origin: SettingOrigin
    /// The option (flag name without dashes, or file key).
    public var field: String
    /// What is wrong with it.
    public var reason: String
    /// True for command-line mistakes (unknown flag, missing value): a usage error, exit code 2.
    public var isUsageError: Bool

    /// Creates an error.
    public init(origin: SettingOrigin, field: String, reason: String, isUsageError: Bool = false) {
        self.origin = origin
        self.field = field
        self.reason = reason
        self.isUsageError = isUsageError
    }

    public var description: String { "\(origin): \(field): \(reason)" }
}

/// One layer of configuration. `ConfigurationReader` asks its sources in order; the first that has a value wins.
public protocol ConfigurationSource: Sendable {
    /// The value this source holds for `option`, if any.
    func lookup(_ option: OptionSpec) -> RawSetting?
}

/// Command-line flags already split by `CommandLineFlags.parse`.
public struct FlagSource: ConfigurationSource {
    /// Values by option name, in the order given.
    public var values: [String: [String]]

    /// Creates a source from parsed flags.
    public init(values: [String: [String]]) { self.values = values }

    public func lookup(_ option: OptionSpec) -> RawSetting? {
        values[option.name].map { RawSetting(value: .text($0), origin: .flag("--\(option.name)")) }
    }
}

/// `BLOOM_<FLAG>` environment variables (`--data-dir` → `BLOOM_DATA_DIR`); lists are comma-separated.
public struct EnvironmentSource: ConfigurationSource {
    /// The process environment.
    public var environment: [String: String]

    /// Creates a source over an environment.
    public init(environment: [String: String]) { self.environment = environment }

    public func lookup(_ option: OptionSpec) -> RawSetting? {
        let name = option.environmentName
        guard let value = environment[name] else { return nil }
        let values = option.kind == .list ? value.split(separator: ",").map { String($0) } : [value]
        return RawSetting(value: .text(values), origin: .environment(name))
    }
}

/// The top level of a TOML configuration file; keys are the flag names.
public struct FileSource: ConfigurationSource {
    /// The parsed file.
    public var document: TOMLDocument

    /// Creates a source over a parsed file.
    public init(document: TOMLDocument) { self.document = document }

    public func lookup(_ option: OptionSpec) -> RawSetting? {
        document.root[option.name].map {
            RawSetting(value: .toml($0.value), origin: .file(path: document.file, line: $0.line))
        }
    }

    /// Rejects keys that are no option and tables, so a typo is an error rather than a silently ignored line.
    public func validateKeys(against options: [OptionSpec]) throws(ConfigurationError) {
        if let table = document.tables.first {
            throw ConfigurationError(
                origin: .file(path: document.file, line: table.line),
                field: table.name,
                reason: "a configuration file has no tables"
            )
        }
        for entry in document.root.entries where !options.contains(where: { $0.name == entry.key }) {
            throw ConfigurationError(
                origin: .file(path: document.file, line: entry.line),
                field: entry.key,
                reason: "unknown key"
            )
        }
    }
}
