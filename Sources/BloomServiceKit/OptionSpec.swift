/// The type of an option's value, used to check it whatever its source.
public enum OptionKind: Equatable, Sendable {
    /// Free text (paths, endpoints, addresses).
    case string
    /// An integer within a range.
    case integer(ClosedRange<Int>)
    /// A finite number within a range.
    case number(ClosedRange<Double>)
    /// On or off; as a flag, `--name` alone means on (`--name=false` turns it off).
    case boolean
    /// A repeatable flag, an array of strings in a file, a comma-separated list in the environment.
    case list
    /// One of a fixed set of words.
    case choice([String])
}

/// One option of the common flag set.
public struct OptionSpec: Equatable, Sendable {
    /// The flag name without dashes; also the file key.
    public var name: String
    /// The value's type.
    public var kind: OptionKind
    /// One line of help.
    public var help: String
    /// A secret (a key, a password): its value is never logged, only that it is set and where it came from.
    public var isSecret: Bool

    /// Creates an option.
    public init(name: String, kind: OptionKind, help: String, isSecret: Bool = false) {
        self.name = name
        self.kind = kind
        self.help = help
        self.isSecret = isSecret
    }

    /// `BLOOM_` and the name in upper case with `-` as `_`.
    public var environmentName: String {
        "BLOOM_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// The common flag set of DESIGN.md ("Operator interface"): every binary accepts all of them.
public enum CommonOptions {
    /// Log levels accepted by `--log-level`, quietest last.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Every option, in the order they are documented.
    public static let all: [OptionSpec] = [
        OptionSpec(name: "data-dir", kind: .string, help: "the node's data directory (default ~/.bloomcoin)"),
        OptionSpec(name: "port", kind: .integer(1...65535), help: "P2P listening port (default 7618)"),
        OptionSpec(name: "connect", kind: .list, help: "HOST:PORT of a peer to keep connected (repeatable)"),
        OptionSpec(name: "mine", kind: .boolean, help: "run the miner in bloom-gossip (default off)"),
        OptionSpec(name: "log-level", kind: .choice(logLevels), help: "log level (default info)"),
        OptionSpec(name: "config", kind: .string, help: "configuration file (default <data-dir>/bloom.toml)"),
        OptionSpec(name: "bind", kind: .string, help: "address to listen on and dial from (default 0.0.0.0)"),
        OptionSpec(name: "replica", kind: .integer(0...255), help: "which replica of a service this is (default 0)"),
        OptionSpec(name: "mine-profile", kind: .choice(["quick", "reference"]), help: "miner settings (quick)"),
        OptionSpec(
            name: "min-block-interval",
            kind: .number(1...1e9),
            help: "least seconds between two blocks sealed here (default 420)"
        ),
        OptionSpec(
            name: "gossip-strategy",
            kind: .choice(["eager", "threshold", "bloom"]),
            help: "phase sharing strategy (default bloom)"
        ),
        OptionSpec(name: "max-outbound", kind: .integer(0...10_000), help: "outbound connection limit (default 8)"),
        OptionSpec(name: "max-inbound", kind: .integer(0...100_000), help: "inbound connection limit (default 117)"),
        OptionSpec(name: "ban-time", kind: .number(0...1e10), help: "seconds a ban lasts (default 86400)"),
        OptionSpec(
            name: "services-dir",
            kind: .string,
            help: "service definitions (default: PREFIX/share/bloom/services when installed, else the built-in copy)"
        ),
        OptionSpec(
            name: "reward-address",
            kind: .string,
            help: "hex address for coinbase rewards of blocks sealed here"
        ),
        OptionSpec(
            name: "incorporate-weight",
            kind: .number(0...1),
            help: "weight of peers' phases in cooperative mining (default 0.1)"
        ),
        OptionSpec(name: "handshake-timeout", kind: .number(0.001...3600), help: "seconds for VERSION/VERACK (10)"),
        OptionSpec(name: "bus-pub", kind: .string, help: "bus endpoint services publish to (ipc in <data-dir>/run)"),
        OptionSpec(name: "bus-sub", kind: .string, help: "bus endpoint services subscribe to (ipc in <data-dir>/run)"),
        OptionSpec(name: "control", kind: .string, help: "the supervisor's control endpoint (ipc in <data-dir>/run)"),
        OptionSpec(
            name: "bus-bind",
            kind: .string,
            help: "tcp://HOST:PORT: also serve the bus to other hosts (PORT and PORT+1, CURVE)"
        ),
        OptionSpec(
            name: "bus-connect",
            kind: .string,
            help: "tcp://HOST:PORT: join another host's bus instead of running one"
        ),
        OptionSpec(name: "bus-server-key", kind: .string, help: "the remote bus's public key (Z85, or a file)"),
        OptionSpec(name: "bus-insecure", kind: .boolean, help: "allow a tcp bus without CURVE (loopback tests only)"),
        OptionSpec(name: "services", kind: .list, help: "services this supervisor runs: net,sync,gossip (default all)"),
        HTTPSetting.option,
    ]

    /// The option called `name`, if it is one of the common set.
    public static func named(_ name: String) -> OptionSpec? {
        all.first { $0.name == name }
    }
}
