import Foundation

/// Splits `--name value` and `--name=value` flags of the common set; anything else is a usage error.
public enum CommandLineFlags {
    /// Parses `arguments` (without the program name).
    /// - Parameter options: the accepted options (default: the common set).
    /// - Returns: values by option name; a boolean flag given alone has the value `true`.
    /// - Throws: `ConfigurationError` with `isUsageError` set, naming the flag.
    public static func parse(
        _ arguments: [String],
        options: [OptionSpec] = CommonOptions.all
    ) throws(ConfigurationError) -> [String: [String]] {
        var values: [String: [String]] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ConfigurationError(
                    origin: .flag(argument),
                    field: argument,
                    reason: "unexpected argument (flags are --name VALUE)",
                    isUsageError: true
                )
            }
            let body = argument.dropFirst(2)
            let name: String
            var value: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            guard let option = options.first(where: { $0.name == name }) else {
                throw ConfigurationError(
                    origin: .flag("--\(name)"),
                    field: name,
                    reason: "unknown flag",
                    isUsageError: true
                )
            }
            if value == nil {
                if option.kind == .boolean {
                    value = "true"
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    throw ConfigurationError(
                        origin: .flag("--\(name)"),
                        field: name,
                        reason: "needs a value",
                        isUsageError: true
                    )
                }
            }
            // Safe to unwrap: every branch above set `value` or threw.
            let text = value!
            if option.kind == .list {
                values[name, default: []].append(text)
            } else {
                values[name] = [text]  // the last occurrence wins, as with most Unix tools
            }
        }
        return values
    }
}

extension CommandLineFlags {
    /// True when the arguments ask for help (`--help` or `-h`).
    public static func wantsHelp(_ arguments: [String]) -> Bool {
        arguments.contains("--help") || arguments.contains("-h")
    }

    /// True when the arguments ask for the version (`--version`).
    public static func wantsVersion(_ arguments: [String]) -> Bool {
        arguments.contains("--version")
    }

    /// Answers `--help` and `--version` for a binary that takes the common flag set: prints the usage text or the
    /// version line and exits 0. Returns when the arguments ask for neither.
    /// - Parameters:
    ///   - arguments: the flags, without the program name.
    ///   - program: the binary's name.
    ///   - summary: what the binary does, for the usage text.
    public static func answerHelpOrVersion(_ arguments: [String], program: String, summary: String) {
        if wantsHelp(arguments) {
            print(help(program: program, summary: summary))
            exit(ExitCode.success)
        }
        if wantsVersion(arguments) {
            print(BloomVersion.line(program: program))
            exit(ExitCode.success)
        }
    }

    /// The usage text of a binary that takes the common flag set.
    public static func help(program: String, summary: String, options: [OptionSpec] = CommonOptions.all) -> String {
        var lines = [
            "usage: \(program) [--FLAG VALUE]...", "       \(program) --help | --version", "", summary, "",
            "flags (environment BLOOM_<FLAG>; file keys are the flag names):",
        ]
        let width = options.map { $0.name.count }.max() ?? 0
        for option in options {
            let name = "--" + option.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  \(name)  \(option.help)")
        }
        return lines.joined(separator: "\n")
    }
}
