internal import Configuration

/// One layer of the node's configuration: a swift-configuration provider, and how to name where one of its
/// values came from (for the start-up log and for errors).
///
/// swift-configuration does the layering (the first provider that has a key wins), the environment variable names
/// and their text conversion, and the secret flag on values. What it does not do is refuse: a value of the wrong
/// type is skipped and reported to an access reporter. The node refuses instead, so the flag and file layers are
/// typed here, when they are built, and a wrong value is an error naming its flag or its file, line and key.
enum ConfigurationLayer {
    /// Command-line flags already split by `CommandLineFlags.parse`.
    case flags([String: [String]])
    /// `BLOOM_<FLAG>` environment variables.
    case environment([String: String])
    /// The top level of `bloom.toml`, or (with a service name) that service's table in it.
    case file(TOMLFile, section: String?)

    /// Where `option`'s value in this layer came from.
    func origin(of option: OptionSpec) -> SettingOrigin {
        switch self {
        case .flags: .flag("--\(option.name)")
        case .environment: .environment(option.environmentName)
        case .file(let file, let section):
            .file(path: file.path, line: file[Self.keyPath(option, section)]?.line ?? 0)
        }
    }

    /// The value as written, for an error about it.
    func rawText(of option: OptionSpec) -> String {
        switch self {
        case .flags(let values): values[option.name]?.last ?? ""
        case .environment(let environment): environment[option.environmentName] ?? ""
        case .file(let file, let section):
            file[Self.keyPath(option, section)].map { "\($0.value)" } ?? ""
        }
    }

    private static func keyPath(_ option: OptionSpec, _ section: String?) -> [String] {
        section.map { [$0, option.name] } ?? [option.name]
    }

    /// The swift-configuration provider over this layer, keyed by option name.
    func provider(options: [OptionSpec]) throws(ConfigurationError) -> any ConfigProvider {
        switch self {
        case .flags(let values):
            var typed: [AbsoluteConfigKey: ConfigValue] = [:]
            for option in options {
                guard let texts = values[option.name] else { continue }
                let content = try Self.content(fromText: texts, option, origin: origin(of: option))
                typed[AbsoluteConfigKey([option.name])] = ConfigValue(content, isSecret: option.isSecret)
            }
            return InMemoryProvider(name: "flags", values: typed)
        case .environment(let environment):
            let secrets = Set(options.filter(\.isSecret).map(\.environmentName))
            // Keys are looked up as `bloom.<name>`, which the provider spells BLOOM_<NAME>.
            return EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(secrets)
            )
            .prefixKeys(with: ConfigKey(["bloom"]))
        case .file(let file, let section):
            var typed: [AbsoluteConfigKey: ConfigValue] = [:]
            for option in options {
                guard let entry = file[Self.keyPath(option, section)] else { continue }
                let content = try Self.content(fromFile: entry, option, path: file.path)
                typed[AbsoluteConfigKey([option.name])] = ConfigValue(content, isSecret: option.isSecret)
            }
            return InMemoryProvider(name: file.path + (section.map { " [\($0)]" } ?? ""), values: typed)
        }
    }

    /// Flag text as the option's type. The words for booleans are swift-configuration's (as for the environment).
    private static func content(fromText texts: [String], _ option: OptionSpec, origin: SettingOrigin)
        throws(ConfigurationError) -> ConfigContent
    {
        // Safe: CommandLineFlags.parse records at least one value for every flag it returns.
        let text = texts.last ?? ""
        func bad(_ expected: String) -> ConfigurationError {
            ConfigurationError(origin: origin, field: option.name, reason: "'\(text)' is not \(expected)")
        }
        switch option.kind {
        case .string, .choice: return .string(text)
        case .list: return .stringArray(texts)
        case .integer:
            guard let value = Int(text) else { throw bad("an integer") }
            return .int(value)
        case .number:
            guard let value = Double(text) else { throw bad("a finite number") }
            return .double(value)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: throw bad("true or false")
            }
        }
    }

    /// A file value as the option's type: TOML is typed, so only an integer for a number is converted.
    static func content(fromFile entry: TOMLFile.Entry, _ option: OptionSpec, path: String)
        throws(ConfigurationError) -> ConfigContent
    {
        func wrongType(_ expected: String) -> ConfigurationError {
            ConfigurationError(
                origin: .file(path: path, line: entry.line),
                field: entry.dotted,
                reason: "expected \(expected), got \(entry.value.typeName)"
            )
        }
        switch (option.kind, entry.value) {
        case (.string, .string(let text)), (.choice, .string(let text)): return .string(text)
        case (.string, _), (.choice, _): throw wrongType("a string")
        case (.integer, .integer(let value)): return .int(value)
        case (.integer, _): throw wrongType("an integer")
        case (.number, .integer(let value)): return .double(Double(value))
        case (.number, .float(let value)): return .double(value)
        case (.number, _): throw wrongType("a number")
        case (.boolean, .boolean(let value)): return .bool(value)
        case (.boolean, _): throw wrongType("true or false")
        case (.list, let value):
            guard let texts = value.strings else { throw wrongType("an array of strings") }
            return .stringArray(texts)
        }
    }
}
