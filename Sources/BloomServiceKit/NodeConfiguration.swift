import Foundation
import BloomBus

/// The node's configuration, shared by every binary (DESIGN.md, "Operator interface").
///
/// Precedence: flags > environment (`BLOOM_<FLAG>`) > configuration file (the reading service's own table, then
/// the top level) > defaults. A new setting: one `OptionSpec` in `CommonOptions.all`, one stored property and one
/// line in `init(reader:…)`, and an entry in `childArguments` if the services need a flag or variable value passed
/// on. Keys, types and defaults:
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
/// | `bus-bind` | `tcp://HOST:PORT` | none: the bus is local only |
/// | `bus-connect` | `tcp://HOST:PORT` | none: the supervisor runs the bus |
/// | `bus-server-key` | Z85 key or a file holding one | none |
/// | `bus-insecure` | boolean | false |
/// | `services` | list of service names (`net` or `bloom-net`) | every defined service |
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
    /// Where the supervisor's forwarder also listens for services on other hosts (`tcp://HOST:PORT`: publishers on
    /// PORT, subscribers on PORT+1), CURVE unless ``busInsecure``.
    public var busBind: String?
    /// Another supervisor's bus (`tcp://HOST:PORT`) that this one joins instead of running a forwarder.
    public var busConnect: String?
    /// The public key of the forwarder this process connects to over tcp: Z85 text, or the absolute path of a file.
    public var busServerKey: String?
    /// Whether a tcp bus without CURVE is allowed (loopback tests): anyone who reaches it can read and publish.
    public var busInsecure: Bool
    /// The services this supervisor runs (as given: `net` or `bloom-net`); empty for every defined service.
    public var services: [String]
    /// bloom-supervisor's HTTP server (metrics, API, dashboard).
    public var http: HTTPSetting
    /// Where each value came from, in option order, for the start-up log.
    public var provenance: [Provenance]
    /// True when `config` was given by a flag or the environment rather than found in the data directory.
    public var explicitConfigFile = false

    /// One resolved value and its origin.
    public struct Provenance: Equatable, Sendable {
        /// Option name.
        public var name: String
        /// The value as text.
        public var value: String
        /// Where it came from.
        public var origin: SettingOrigin
        /// What a reload compares: the value, or for a secret a hash of it (this process's seed), never logged.
        var comparable: String = ""
    }

    /// `<data-dir>/run`, where sockets and the supervisor lock live.
    public var runDirectory: String { dataDirectory + "/run" }
    /// `<data-dir>/logs`.
    public var logDirectory: String { dataDirectory + "/logs" }
    /// `<data-dir>/keys`, where the bus keys live (``BusKeys``).
    public var keysDirectory: String { BusKeys.directory(dataDirectory: dataDirectory) }
    /// The lock the supervisor holds while it runs.
    public var lockFile: String { runDirectory + "/supervisor.lock" }
}

extension NodeConfiguration {
    /// Resolves the configuration of a process.
    /// - Parameters:
    ///   - arguments: command-line flags (without the program name).
    ///   - environment: the process environment.
    ///   - currentDirectory: relative paths are made absolute against it.
    ///   - service: the service reading it (`bloom-net`); its table in the file, if any, wins over the top level.
    /// - Throws: `ConfigurationError` naming the source and the field of the first bad value.
    public static func load(
        arguments: [String],
        environment: [String: String],
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        service: String? = nil
    ) throws(ConfigurationError) -> NodeConfiguration {
        let flags = ConfigurationLayer.flags(try CommandLineFlags.parse(arguments))
        let env = ConfigurationLayer.environment(environment)
        var early = try SettingsReader(layers: [flags, env])
        let home = environment["HOME"] ?? NSHomeDirectory()
        let dataDirectory = absolute(try early.string("data-dir", default: home + "/.bloomcoin"), currentDirectory)

        var layers = [flags, env]
        var configFile: String?
        let explicitConfig = try early.string("config")
        if let explicit = explicitConfig {
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
            let file = try readFile(configFile)
            if let service { layers.append(.file(file, section: service)) }
            layers.append(.file(file, section: nil))
            let sections = file.entries.filter { $0.keyPath.count == 2 }.map { $0.keyPath[0] }
            let otherSections = Array(Set(sections)).filter { $0 != service }.sorted()
            // Every service's settings must hold, so that the supervisor (and a reload) refuses what one of its
            // services would refuse (a range, a choice, an address), before any of them reads it.
            for section in otherSections {
                var reader = try SettingsReader(
                    layers: [flags, env, .file(file, section: section), .file(file, section: nil)]
                )
                _ = try NodeConfiguration(
                    reader: &reader,
                    currentDirectory: currentDirectory,
                    home: home,
                    configFile: configFile
                )
            }
        }
        var reader = try SettingsReader(layers: layers)
        var configuration = try NodeConfiguration(
            reader: &reader,
            currentDirectory: currentDirectory,
            home: home,
            configFile: configFile
        )
        configuration.explicitConfigFile = explicitConfig != nil
        return configuration
    }

    /// Parses `bloom.toml` and refuses keys that are no setting, so that a typo is an error rather than a
    /// silently ignored line, and values of the wrong type in every table, so that the supervisor (and a reload)
    /// refuses a file that one of its services would refuse. A table is a service's own settings (`[bloom-net]`,
    /// or `bloom-net.log-level`).
    static func readFile(_ path: String) throws(ConfigurationError) -> TOMLFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(
                origin: .file(path: path, line: 0),
                field: "config",
                reason: "cannot read: \(error)"
            )
        }
        let file = try TOMLFile(parsing: text, path: path)
        for entry in file.entries {
            let name = entry.keyPath.last ?? ""
            let known = CommonOptions.named(name) != nil
            switch entry.keyPath.count {
            case 1 where known, 2 where known && isServiceName(entry.keyPath[0]):
                // Safe: `known` says the option exists.
                _ = try ConfigurationLayer.content(fromFile: entry, CommonOptions.named(name)!, path: path)
            case 1, 2 where isServiceName(entry.keyPath[0]):
                throw ConfigurationError(
                    origin: .file(path: path, line: entry.line),
                    field: entry.dotted,
                    reason: "unknown key"
                )
            default:
                throw ConfigurationError(
                    origin: .file(path: path, line: entry.line),
                    field: entry.dotted,
                    reason: "unknown key (a table holds one service's settings: [bloom-net] log-level = \"debug\")"
                )
            }
        }
        return file
    }

    /// A service name as the definitions allow it: letters, digits, `-` and `_`.
    private static func isServiceName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    private static func absolute(_ path: String, _ base: String) -> String {
        let expanded = path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst(1) : path
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    /// Reads every field through `reader`.
    init(
        reader: inout SettingsReader,
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
        busBind = try reader.string("bus-bind")
        busConnect = try reader.string("bus-connect")
        busServerKey = try reader.string("bus-server-key").map { value in
            (try? CurveKey(z85: value)) != nil ? value : Self.absolute(value, currentDirectory)
        }
        busInsecure = try reader.boolean("bus-insecure", default: false)
        services = try reader.list("services").flatMap { $0.split(separator: ",").map(String.init) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let busConnect, let remote = try? BusTCPListener.clientEndpoints(connectingTo: busConnect) {
            // Joining another host's bus: its forwarder's tcp endpoints replace the local ipc ones.
            busPub = remote.publish
            busSub = remote.subscribe
        }
        let httpText = try reader.string("http", default: HTTPSetting.defaultValue)
        guard let http = HTTPSetting(httpText) else {
            throw ConfigurationError(
                origin: reader.provenance.last { $0.name == "http" }?.origin ?? .defaultValue,
                field: "http",
                reason: "'\(httpText)' is neither HOST:PORT nor off"
            )
        }
        self.http = http
        provenance = reader.provenance
        try validate(reader.provenance)
    }

    private func validate(_ origins: [Provenance]) throws(ConfigurationError) {
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
        try validateBusTopology(origin)
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

    /// The flags for a child process (replica `replica`): the data directory, and every value this process took
    /// from a flag or the environment, so that they win over the file in the child as they did here. Values from
    /// the file are not passed: the child reads the same file itself (with its own table), and reads it again on
    /// `SIGHUP`, which flags would shadow. `services-dir` is the supervisor's business and not passed.
    public func childArguments(replica: Int) -> [String] {
        let settings: [(String, [String])] = [
            ("port", ["--port", String(port)]), ("log-level", ["--log-level", logLevel]), ("bind", ["--bind", bind]),
            ("mine-profile", ["--mine-profile", mineProfile]),
            ("min-block-interval", ["--min-block-interval", String(minBlockInterval)]),
            ("gossip-strategy", ["--gossip-strategy", gossipStrategy]),
            ("max-outbound", ["--max-outbound", String(maxOutbound)]),
            ("max-inbound", ["--max-inbound", String(maxInbound)]), ("ban-time", ["--ban-time", String(banTime)]),
            ("incorporate-weight", ["--incorporate-weight", String(incorporateWeight)]),
            ("handshake-timeout", ["--handshake-timeout", String(handshakeTimeout)]),
            ("bus-pub", ["--bus-pub", busPub]), ("bus-sub", ["--bus-sub", busSub]), ("control", ["--control", control]),
            ("mine", ["--mine=\(mine)"]), ("connect", connect.flatMap { ["--connect", $0] }),
            ("reward-address", rewardAddress.map { ["--reward-address", $0] } ?? []),
            // A child of a supervisor that joins another host's bus joins it too, as a CURVE client with the key.
            ("bus-connect", busConnect.map { ["--bus-connect", $0] } ?? []),
            ("bus-server-key", busServerKey.map { ["--bus-server-key", $0] } ?? []),
            ("bus-insecure", ["--bus-insecure=\(busInsecure)"]),
        ]
        var arguments = ["--data-dir", dataDirectory, "--replica", String(replica)]
        if explicitConfigFile, let configFile { arguments += ["--config", configFile] }
        for (name, flags) in settings {
            switch provenance.last(where: { $0.name == name })?.origin {
            case .flag, .environment: arguments += flags
            default: continue
            }
        }
        return arguments
    }
}

extension NodeConfiguration {
    /// How this process's bus sockets authenticate: CURVE with this node's `keys/bus.key` when a server key is
    /// configured, else none (the local ipc bus, or a tcp bus allowed by `--bus-insecure`).
    /// - Throws: ``BusKeyError`` when the server key or this node's key cannot be used.
    public func busClientSecurity() throws(BusKeyError) -> BusClientSecurity {
        guard let busServerKey else { return .none }
        return .curve(serverKey: try BusKeys.serverKey(busServerKey), keyPair: try BusKeys.load(from: keysDirectory))
    }

    /// The checks of the multi-host settings (issue 17): a tcp bus is CURVE unless explicitly insecure, and a
    /// supervisor either runs the bus or joins one.
    func validateBusTopology(_ origin: (String) -> SettingOrigin) throws(ConfigurationError) {
        for (name, value) in [("bus-bind", busBind), ("bus-connect", busConnect)] {
            guard let value else { continue }
            do {
                _ = try BusTCPListener(bind: value, security: .insecure)
            } catch {
                throw ConfigurationError(origin: origin(name), field: name, reason: "\(error)")
            }
        }
        if busBind != nil, busConnect != nil {
            throw ConfigurationError(
                origin: origin("bus-connect"),
                field: "bus-connect",
                reason: "a supervisor either runs the bus (bus-bind) or joins another host's (bus-connect), not both"
            )
        }
        let tcpEndpoints = [("bus-pub", busPub), ("bus-sub", busSub)].filter { $0.1.hasPrefix("tcp://") }
        if let (name, endpoint) = tcpEndpoints.first, busServerKey == nil, !busInsecure {
            throw ConfigurationError(
                origin: origin(busConnect != nil ? "bus-connect" : name),
                field: busConnect != nil ? "bus-connect" : name,
                reason: "\(endpoint) is a tcp bus: give the forwarder's public key with bus-server-key "
                    + "(CURVE), or bus-insecure to allow a bus anyone who reaches it can use"
            )
        }
        if let busServerKey, (try? CurveKey(z85: busServerKey)) == nil,
            !FileManager.default.fileExists(atPath: busServerKey)
        {
            throw ConfigurationError(
                origin: origin("bus-server-key"),
                field: "bus-server-key",
                reason: "neither a Z85 key (40 characters) nor an existing file"
            )
        }
    }
}
