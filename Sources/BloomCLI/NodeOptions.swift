import ArgumentParser
import BloomServiceKit
import Foundation

/// Options every `bloom` command takes.
public struct NodeOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: "The node's data directory (default: $BLOOM_DATA_DIR, else ~/.bloomcoin)."
    )
    var dataDirectory: String?

    @Option(name: .customLong("config"), help: "A configuration file (default: <data-dir>/bloom.toml if present).")
    var config: String?

    @Option(name: .customLong("control"), help: "The supervisor's control endpoint (default: ipc in <data-dir>/run).")
    var control: String?

    @Flag(name: .customLong("json"), help: "Print the node's answer as JSON.")
    var json = false

    @Option(name: .customLong("timeout"), help: "Seconds to wait for the node's answer.")
    var timeout: Double = 8

    public init() {}

    public func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    /// The node's configuration through the common module (flags > environment > file > defaults).
    func configuration() throws(CLIError) -> NodeConfiguration {
        var arguments: [String] = []
        if let dataDirectory { arguments += ["--data-dir", dataDirectory] }
        if let config { arguments += ["--config", config] }
        if let control { arguments += ["--control", control] }
        do {
            return try NodeConfiguration.load(arguments: arguments, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw .configuration(error.description)
        }
    }

    /// Sends `cmd` and prints the result: JSON as it is with `--json`, else through `human`.
    func run(_ cmd: String, args: JSONValue = .object([:]), human: (JSONValue) -> String) throws(CLIError) {
        let client = ControlClient(configuration: try configuration(), timeout: timeout)
        let result = try client.request(cmd, args: args)
        print(json ? result.encoded(pretty: true) : human(result))
    }
}

/// `net` → `bloom-net`; full names pass through. JSON always uses full names.
func fullServiceName(_ name: String) -> String {
    name.hasPrefix("bloom-") ? name : "bloom-" + name
}
