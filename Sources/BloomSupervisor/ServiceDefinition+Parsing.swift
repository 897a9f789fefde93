import BloomServiceKit

extension ServiceDefinition {
    /// Parses one definition file. Unknown tables and keys, wrong types and out-of-range values are errors
    /// naming the file, the line and the field, so a typo never silently falls back to a default.
    public init(parsing text: String, file: String) throws(ServiceDefinitionError) {
        let document: TOMLFile
        do {
            document = try TOMLFile(parsing: text, path: file)
        } catch {
            let line = if case .file(_, let line) = error.origin { line } else { 0 }
            throw ServiceDefinitionError(file: file, line: line, field: "syntax", reason: error.reason)
        }
        let reader = DefinitionReader(document: document)
        try reader.checkShape()
        name = try reader.string("service", "name", required: true) ?? ""
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else {
            throw reader.error("service", "name", "'\(name)' must be letters, digits, '-' or '_'")
        }
        command = try reader.string("service", "command", required: false)
        arguments = try reader.strings("service", "arguments")
        environment = try reader.strings("service", "environment")
        for pair in environment where !pair.contains("=") || pair.hasPrefix("=") {
            throw reader.error("service", "environment", "'\(pair)' is not KEY=VALUE")
        }
        replicas = try reader.integer("service", "replicas", default: 1, range: 1...64)
        scalable = try reader.boolean("service", "scalable", default: false)
        stopOrder = try reader.integer("service", "stop_order", default: 0, range: 0...100)
        var restart = RestartPolicy()
        let mode = try reader.string("restart", "policy", required: false) ?? restart.mode.rawValue
        guard let parsedMode = RestartPolicy.Mode(rawValue: mode) else {
            throw reader.error("restart", "policy", "'\(mode)' is not always, on-failure or never")
        }
        restart.mode = parsedMode
        restart.backoffInitial =
            Double(try reader.integer("restart", "backoff_initial_ms", default: 100, range: 1...3_600_000)) / 1000
        restart.backoffMax =
            Double(try reader.integer("restart", "backoff_max_ms", default: 30_000, range: 1...3_600_000)) / 1000
        if restart.backoffMax < restart.backoffInitial {
            throw reader.error("restart", "backoff_max_ms", "is smaller than backoff_initial_ms")
        }
        restart.stable = try reader.number("restart", "stable_s", default: 3, range: 0...86400)
        restart.maxRestarts = try reader.integer("restart", "max_restarts", default: 5, range: 0...10_000)
        restart.window = try reader.number("restart", "window_s", default: 60, range: 0.001...86400)
        restart.retryFailed = try reader.number("restart", "retry_failed_s", default: 300, range: 0...86400)
        self.restart = restart
        readinessTimeout = try reader.number("timeouts", "readiness_s", default: 30, range: 0.01...3600)
        heartbeatTimeout = try reader.number("timeouts", "heartbeat_s", default: 5, range: 0.01...3600)
        stopTimeout = try reader.number("timeouts", "stop_s", default: 10, range: 0...3600)
        if !scalable && replicas != 1 {
            throw reader.error("service", "replicas", "a service that is not scalable runs exactly 1 replica")
        }
    }
}

/// Typed access to the tables of a definition, with errors that name file, line and field. A table may be
/// written as `[restart]`, as an inline table (`restart = { policy = "always" }`) or with dotted keys
/// (`restart.policy = "always"`): TOML 1.0 makes them the same, and so does `TOMLFile`.
private struct DefinitionReader {
    let document: TOMLFile

    static let known: [String: Set<String>] = [
        "service": ["name", "command", "arguments", "environment", "replicas", "scalable", "stop_order"],
        "restart": ["policy", "backoff_initial_ms", "backoff_max_ms", "stable_s", "max_restarts", "window_s", "retry_failed_s"],
        "timeouts": ["readiness_s", "heartbeat_s", "stop_s"],
    ]

    func checkShape() throws(ServiceDefinitionError) {
        for entry in document.entries {
            guard entry.keyPath.count > 1 || entry.value == .table else {
                throw ServiceDefinitionError(
                    file: document.path,
                    line: entry.line,
                    field: entry.dotted,
                    reason: "keys belong in a table: [service], [restart] or [timeouts]"
                )
            }
            guard let keys = Self.known[entry.keyPath[0]] else {
                throw ServiceDefinitionError(
                    file: document.path,
                    line: entry.line,
                    field: "[\(entry.keyPath[0])]",
                    reason: "unknown table (expected [service], [restart] or [timeouts])"
                )
            }
            if entry.keyPath.count == 1 { continue }  // an empty [restart] or [timeouts]: the defaults
            guard entry.keyPath.count == 2, keys.contains(entry.keyPath[1]) else {
                throw ServiceDefinitionError(
                    file: document.path,
                    line: entry.line,
                    field: "[\(entry.keyPath[0])] \(entry.keyPath.dropFirst().joined(separator: "."))",
                    reason: "unknown key"
                )
            }
        }
    }

    func error(_ table: String, _ key: String, _ reason: String) -> ServiceDefinitionError {
        let line = entry(table, key)?.line ?? document.line(of: [table])
        return ServiceDefinitionError(file: document.path, line: line, field: "[\(table)] \(key)", reason: reason)
    }

    private func entry(_ table: String, _ key: String) -> TOMLFile.Entry? {
        document[[table, key]]
    }

    func string(_ table: String, _ key: String, required: Bool) throws(ServiceDefinitionError) -> String? {
        guard let entry = entry(table, key) else {
            if required { throw error(table, key, "is required") }
            return nil
        }
        guard case .string(let text) = entry.value else {
            throw error(table, key, "expected a string, got \(entry.value.typeName)")
        }
        if required && text.isEmpty { throw error(table, key, "must not be empty") }
        return text
    }

    func strings(_ table: String, _ key: String) throws(ServiceDefinitionError) -> [String] {
        guard let entry = entry(table, key) else { return [] }
        guard case .array = entry.value, let texts = entry.value.strings else {
            throw error(table, key, "expected an array of strings, got \(entry.value.typeName)")
        }
        return texts
    }

    func integer(_ table: String, _ key: String, default fallback: Int, range: ClosedRange<Int>)
        throws(ServiceDefinitionError) -> Int
    {
        guard let entry = entry(table, key) else { return fallback }
        guard case .integer(let value) = entry.value else {
            throw error(table, key, "expected an integer, got \(entry.value.typeName)")
        }
        guard range.contains(value) else {
            throw error(table, key, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func number(_ table: String, _ key: String, default fallback: Double, range: ClosedRange<Double>)
        throws(ServiceDefinitionError) -> Double
    {
        guard let entry = entry(table, key) else { return fallback }
        let value: Double
        switch entry.value {
        case .integer(let integer): value = Double(integer)
        case .float(let float): value = float
        default: throw error(table, key, "expected a number, got \(entry.value.typeName)")
        }
        guard range.contains(value) else {
            throw error(table, key, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func boolean(_ table: String, _ key: String, default fallback: Bool) throws(ServiceDefinitionError) -> Bool {
        guard let entry = entry(table, key) else { return fallback }
        guard case .boolean(let value) = entry.value else {
            throw error(table, key, "expected true or false, got \(entry.value.typeName)")
        }
        return value
    }
}
