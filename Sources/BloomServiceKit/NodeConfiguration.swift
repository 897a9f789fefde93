import Foundation

/// The node's configuration, shared by every binary (DESIGN.md, "Operator interface").
///
/// Precedence: flags > environment (`BLOOM_<FLAG>`) > configuration file > defaults. Keys, types and defaults:
///
/// | key | type | default |
/// | --- | --- | --- |
/// | `data-dir` | path | `~/.bloomcoin` |
/// | `port` | integer 1…65535 | 7618 |
/// | `connect` | list of HOST:PORT | none |
/// | `mine` | boolean | false |
/// | `log-level` | trace, debug, info, notice, warning, error, critical | info |
/// | `config` | path | `<data-dir>/bloom.toml` if present |
/// | `bind` | address | 0.0.0.0 |
/// | `replica` | integer 0…255 | 0 |
/// | `mine-profile` | quick, reference | quick |
/// | `min-block-interval` | seconds ≥ 1 | 420 |
/// | `gossip-strategy` | eager, threshold, bloom | bloom |
/// | `max-outbound` / `max-inbound` | integer | 8 / 117 |
/// | `ban-time` | seconds | 86400 |
/// | `services-dir` | path | the built-in definitions |
/// | `reward-address` | hex | one kept in the data directory |
/// | `incorporate-weight` | 0…1 | 0.1 |
/// | `handshake-timeout` | seconds | 10 |
/// | `bus-pub` / `bus-sub` / `control` | ZeroMQ endpoint | `ipc://<data-dir>/run/bus.pub`, `…/bus.sub`, `…/control` |
/// | `http` | HOST:PORT or off | 127.0.0.1:7680 (``HTTPSetting``, bloom-supervisor only) |
public struct NodeConfiguration: Equatable, Sendable {
    /// Absolute path of the data directory.
    public var dataDirectory: String
    /// P2P listening port.
    public var port: Int
    /// Peers to keep connected, `HOST:PORT`.
    public var connect: [String]
    /// Whether bloom-gossip mines.
    public var mine: Bool
    /// Log level name (one of `CommonOptions.logLevels`).
    public var logLevel: String
    /// The configuration file that was read, if any.
    public var configFile: String?
    /// Listen/dial address.
    public var bind: String
    /// This process's replica index.
    public var replica: Int
    /// Miner profile.
    public var mineProfile: String
    /// Least seconds between two locally sealed blocks.
    public var minBlockInterval: Double
    /// Phase-sharing strategy.
    public var gossipStrategy: String
    /// Outbound connection limit.
    public var maxOutbound: Int
    /// Inbound connection limit.
    public var maxInbound: Int
    /// Seconds a ban lasts.
    public var banTime: Double
    /// Directory of service definitions, `nil` for the built-in copy.
    public var servicesDirectory: String?
    /// Reward address (hex), `nil` for the one kept in the data directory.
    public var rewardAddress: String?
    /// Weight of peers' phases in cooperative mining.
    public var incorporateWeight: Double
    /// Seconds allowed for VERSION/VERACK.
    public var handshakeTimeout: Double
    /// Endpoint the bus forwarder's XSUB side binds (services publish here).
    public var busPub: String
    /// Endpoint the bus forwarder's XPUB side binds (services subscribe here).
    public var busSub: String
    /// The supervisor's control endpoint.
    public var control: String
    /// bloom-supervisor's HTTP server (metrics, API, dashboard).
    public var http: HTTPSetting
    /// Where each value came from, in option order, for the start-up log.
    public var provenance: [Provenance]

    /// One resolved value and its origin.
    public struct Provenance: Equatable, Sendable {
        /// Option name.
        public var name: String
        /// The value as text.
        public var value: String
        /// Where it came from.
        public var origin: SettingOrigin
    }

    /// `<data-dir>/run`, where sockets and the supervisor lock live.
    public var runDirectory: String { dataDirectory + "/run" }
    /// `<data-dir>/logs`.
    public var logDirectory: String { dataDirectory + "/logs" }
    /// The lock the supervisor holds while it runs.
    public var lockFile: String { runDirectory + "/supervisor.lock" }
}

extension NodeConfiguration {
    /// Resolves the configuration of a process.
    /// - Parameters:
    ///   - arguments: command-line flags (without the program name).
    ///   - environment: the process environment.
    ///   - currentDirectory: relative paths are made absolute against it.
    /// - Throws: `ConfigurationError` naming the source and the field of the first bad value.
    public static func load(
        arguments: [String],
        environment: [String: String],
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigurationError) -> NodeConfiguration {
        let flags = FlagSource(values: try CommandLineFlags.parse(arguments))
        let env = EnvironmentSource(environment: environment)
        var early = ConfigurationReader(sources: [flags, env])
        let home = environment["HOME"] ?? NSHomeDirectory()
        let dataDirectory = absolute(try early.string("data-dir", default: home + "/.bloomcoin"), currentDirectory)

        var sources: [any ConfigurationSource] = [flags, env]
        var configFile: String?
        if let explicit = try early.string("config") {
            let path = absolute(explicit, currentDirectory)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigurationError(
                    origin: early.provenance.last?.origin ?? .defaultValue,
                    field: "config",
                    reason: "no file at \(path)"
                )
            }
            configFile = path
        } else if FileManager.default.fileExists(atPath: dataDirectory + "/bloom.toml") {
            configFile = dataDirectory + "/bloom.toml"
        }
        if let configFile {
            let text: String
            do {
                text = try String(contentsOfFile: configFile, encoding: .utf8)
            } catch {
                throw ConfigurationError(
                    origin: .file(path: configFile, line: 0),
                    field: "config",
                    reason: "cannot read: \(error)"
                )
            }
            let document: TOMLDocument
            do {
                document = try TOMLDocument(parsing: text, file: configFile)
            } catch {
                throw ConfigurationError(
                    origin: .file(path: error.file, line: error.line),
                    field: "syntax",
                    reason: error.message
                )
            }
            let file = FileSource(document: document)
            try file.validateKeys(against: CommonOptions.all)
            sources.append(file)
        }
        var reader = ConfigurationReader(sources: sources)
        return try NodeConfiguration(
            reader: &reader,
            currentDirectory: currentDirectory,
            home: home,
            configFile: configFile
        )
    }

    private static func absolute(_ path: String, _ base: String) -> String {
        let expanded = path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst(1) : path
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    /// Reads every field through `reader`.
    init(
        reader: inout ConfigurationReader,
        currentDirectory: String,
        home: String,
        configFile: String?
    ) throws(ConfigurationError) {
        dataDirectory = Self.absolute(try reader.string("data-dir", default: home + "/.bloomcoin"), currentDirectory)
        port = try reader.integer("port", default: 7618)
        connect = try reader.list("connect")
        mine = try reader.boolean("mine", default: false)
        logLevel = try reader.choice("log-level", default: "info")
        self.configFile = configFile
        bind = try reader.string("bind", default: "0.0.0.0")
        replica = try reader.integer("replica", default: 0)
        mineProfile = try reader.choice("mine-profile", default: "quick")
        minBlockInterval = try reader.number("min-block-interval", default: 420)
        gossipStrategy = try reader.choice("gossip-strategy", default: "bloom")
        maxOutbound = try reader.integer("max-outbound", default: 8)
        maxInbound = try reader.integer("max-inbound", default: 117)
        banTime = try reader.number("ban-time", default: 86400)
        servicesDirectory = try reader.string("services-dir").map { Self.absolute($0, currentDirectory) }
        rewardAddress = try reader.string("reward-address")
        incorporateWeight = try reader.number("incorporate-weight", default: 0.1)
        handshakeTimeout = try reader.number("handshake-timeout", default: 10)
        let run = dataDirectory + "/run"
        busPub = try reader.string("bus-pub", default: "ipc://\(run)/bus.pub")
        busSub = try reader.string("bus-sub", default: "ipc://\(run)/bus.sub")
        control = try reader.string("control", default: "ipc://\(run)/control")
        let httpText = try reader.string("http", default: HTTPSetting.defaultValue)
        guard let http = HTTPSetting(httpText) else {
            throw ConfigurationError(
                origin: reader.provenance.last { $0.name == "http" }?.origin ?? .defaultValue,
                field: "http",
                reason: "'\(httpText)' is neither HOST:PORT nor off"
            )
        }
        self.http = http
        provenance = reader.provenance.map { Provenance(name: $0.name, value: $0.value, origin: $0.origin) }
        try validate(reader.provenance)
    }

    private func validate(_ origins: [(name: String, value: String, origin: SettingOrigin)]) throws(ConfigurationError)
    {
        func origin(_ name: String) -> SettingOrigin {
            origins.last { $0.name == name }?.origin ?? .defaultValue
        }
        for peer in connect {
            guard let colon = peer.lastIndex(of: ":"), !peer[..<colon].isEmpty,
                let peerPort = Int(peer[peer.index(after: colon)...]), (1...65535).contains(peerPort)
            else {
                throw ConfigurationError(
                    origin: origin("connect"),
                    field: "connect",
                    reason: "'\(peer)' is not HOST:PORT"
                )
            }
        }
        if let rewardAddress,
            rewardAddress.isEmpty || !rewardAddress.allSatisfy(\.isHexDigit) || rewardAddress.count % 2 != 0
        {
            throw ConfigurationError(
                origin: origin("reward-address"),
                field: "reward-address",
                reason: "'\(rewardAddress)' is not an even number of hex digits"
            )
        }
        for (name, endpoint) in [("bus-pub", busPub), ("bus-sub", busSub), ("control", control)] {
            guard endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("tcp://") || endpoint.hasPrefix("inproc://") else {
                throw ConfigurationError(
                    origin: origin(name),
                    field: name,
                    reason: "'\(endpoint)' is not an ipc://, tcp:// or inproc:// endpoint"
                )
            }
            // A Unix socket path holds at most 107 bytes; say so here rather than as a bind error later.
            if endpoint.hasPrefix("ipc://"), endpoint.utf8.count - 6 > 107 {
                throw ConfigurationError(
                    origin: origin(name),
                    field: name,
                    reason: "ipc path is \(endpoint.utf8.count - 6) bytes, more than the 107 a Unix socket allows"
                )
            }
        }
    }

    /// The flags that give a child process exactly this configuration (flags win over its environment and
    /// file), for replica `replica`. `config` and `services-dir` are the supervisor's business and not passed.
    public func childArguments(replica: Int) -> [String] {
        var arguments = [
            "--data-dir", dataDirectory, "--port", String(port), "--log-level", logLevel, "--bind", bind,
            "--replica", String(replica), "--mine-profile", mineProfile,
            "--min-block-interval", String(minBlockInterval), "--gossip-strategy", gossipStrategy,
            "--max-outbound", String(maxOutbound), "--max-inbound", String(maxInbound), "--ban-time", String(banTime),
            "--incorporate-weight", String(incorporateWeight), "--handshake-timeout", String(handshakeTimeout),
            "--bus-pub", busPub, "--bus-sub", busSub, "--control", control, "--mine=\(mine)",
        ]
        for peer in connect { arguments += ["--connect", peer] }
        if let rewardAddress { arguments += ["--reward-address", rewardAddress] }
        return arguments
    }
}
