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
