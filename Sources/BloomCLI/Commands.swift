import ArgumentParser
import BloomServiceKit

/// `bloom`: asks a running node (its supervisor and services) questions and gives it orders.
public struct Bloom: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bloom",
        abstract: "Operate a BloomCoin node started by bloom-supervisor.",
        discussion:
            "Exit codes: 0 success, 1 the command failed, 2 usage error, 3 no node running at that data directory.",
        version: BloomVersion.line(program: "bloom"),
        subcommands: [
            Status.self, Restart.self, Scale.self, Stop.self, Reload.self, Peers.self, Chain.self, Coherence.self,
            Mempool.self, Tx.self, Block.self, Integrity.self, Keygen.self,
        ]
    )

    public init() {}
}

/// `bloom status`.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every service and replica: pid, state, uptime, restarts, last exit."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("status", human: HumanOutput.status)
    }
}

/// `bloom restart <service> [--replica K]`.
struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restart one service (or one replica); clears a failed state."
    )
    @OptionGroup var node: NodeOptions
    @Argument(help: "The service, by short or full name (net or bloom-net).") var service: String
    @Option(help: "Only this replica.") var replica: Int?
    @Flag(
        help: """
            One replica at a time, each only after the previous one is ready again (bloom-net keeps accepting peers \
            when it runs 2 or more replicas); waits until every replica has restarted.
            """
    ) var rolling = false

    func validate() throws {
        if let replica, replica < 0 { throw ValidationError("--replica must be 0 or more") }
        if rolling, replica != nil { throw ValidationError("--rolling restarts every replica; drop --replica") }
    }

    func run() throws {
        var args: [String: JSONValue] = ["service": .string(fullServiceName(service))]
        if let replica { args["replica"] = .number(Double(replica)) }
        guard rolling else {
            try node.run("restart", args: .object(args), human: HumanOutput.restarted)
            return
        }
        args["rolling"] = .bool(true)
        try RollingRestartWatch(node: node, service: fullServiceName(service)).run(args: .object(args))
    }
}

/// `bloom scale <service> <N>`.
struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run N replicas of a service, leaving the others untouched."
    )
    @OptionGroup var node: NodeOptions
    @Argument(help: "The service, by short or full name.") var service: String
    @Argument(help: "The number of replicas (1 to 64).") var replicas: Int

    func validate() throws {
        guard (1...64).contains(replicas) else { throw ValidationError("the number of replicas must be from 1 to 64") }
    }

    func run() throws {
        let args = JSONValue.object([
            "service": .string(fullServiceName(service)), "replicas": .number(Double(replicas)),
        ])
        try node.run("scale", args: args) { HumanOutput.scaled($0, service: service) }
    }
}

/// `bloom stop`.
struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the node: every service in order, then the supervisor."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("stop", human: HumanOutput.stopping)
    }
}

/// `bloom reload`: the same as SIGHUP to the supervisor (or `systemctl reload`).
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read bloom.toml: apply log level, connect list, limits, ban time; list what needs a restart."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("reload", human: HumanOutput.reloaded)
    }
}

/// `bloom peers`.
struct Peers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Connected peers (asked of every bloom-net replica).")
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("peers", human: HumanOutput.peers)
    }
}

/// `bloom chain`.
struct Chain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The best chain: height, tip, sync state (asked of bloom-sync)."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("chain", human: HumanOutput.keyValues)
    }
}

/// `bloom mempool`.
struct Mempool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unconfirmed transactions: count, bytes, txids (asked of bloom-sync)."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("mempool", human: HumanOutput.mempool)
    }
}

/// `bloom block <hash|height>`.
struct Block: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One stored block by hash or main-chain height: index fields and hex bytes (asked of bloom-sync)."
    )
    @OptionGroup var node: NodeOptions
    @Argument(help: "A block hash (64 hex digits) or a main-chain height.") var id: String

    func run() throws {
        try node.run("block", args: .object(["id": .string(id)]), human: HumanOutput.keyValues)
    }
}

/// `bloom integrity`: SQLite's `PRAGMA integrity_check` of the chain store, `{ok, problems}`.
struct Integrity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "SQLite's integrity_check of the chain store (asked of bloom-sync; slow on a big store)."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("integrity", human: HumanOutput.keyValues)
    }
}

/// `bloom coherence`.
struct Coherence: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Local and network order parameter, peers' coherence (asked of bloom-gossip)."
    )
    @OptionGroup var node: NodeOptions

    func run() throws {
        try node.run("coherence", human: HumanOutput.coherence)
    }
}

/// `bloom tx …`.
struct Tx: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Transactions.", subcommands: [Submit.self])

    /// `bloom tx submit <hex>`.
    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a serialized transaction (hex) to the mempool."
        )
        @OptionGroup var node: NodeOptions
        @Argument(help: "The transaction, hex encoded.") var hex: String

        func validate() throws {
            guard !hex.isEmpty, hex.count % 2 == 0, hex.allSatisfy(\.isHexDigit) else {
                throw ValidationError("the transaction must be an even number of hex digits")
            }
        }

        func run() throws {
            try node.run("tx.submit", args: .object(["hex": .string(hex.lowercased())]), human: HumanOutput.keyValues)
        }
    }
}
