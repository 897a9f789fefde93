import BloomBus
import BloomServiceKit
import CBloomSys
import Foundation
import Logging

/// The supervisor: owns the run directory lock, the bus forwarder, the control socket and every child process.
///
/// All mutable state belongs to the one thread that calls `run()`: it waits in `zmq_poll` on the signalfd
/// (SIGCHLD, SIGTERM, SIGINT, SIGHUP), the control socket, the bus and the children's output pipes, with a timeout
/// set by the nearest deadline (a back-off ending, a stop timeout, a query timeout, a heartbeat check).
public final class Supervisor {
    var configuration: NodeConfiguration
    /// Re-reads the configuration on SIGHUP or `bloom reload`; `nil`: reloading is refused.
    var reloader: ConfigurationReloader?
    let catalog: ServiceCatalog
    let logger: Logger
    /// Directory holding the service binaries (beside bloom-supervisor).
    let binaryDirectory: String
    var replicas: [Replica] = []
    var shuttingDown = false
    var pendingQueries: [PendingQuery] = []
    var rollingRestarts: [RollingRestart] = []
    /// When the supervisor's own heartbeat last came back through the bus (0: never yet), and when the bus last came
    /// back after an outage: heartbeat silence only counts against a child while the bus itself delivers.
    var lastOwnEcho = 0.0
    var busRecoveredAt = 0.0
    var busOutage = true
    var busEverDelivered = false
    /// When the supervisor last dialed the bus (a silent tcp bus is dialed again, see `redialIfSilent`).
    var busDialedAt = 0.0
    /// Services of other supervisors on the same bus, by "service#boot id" (``RemoteReplica``).
    var remoteReplicas: [String: RemoteReplica] = [:]
    /// Pids of children that exited lately (``rememberExited(pid:)``).
    var recentChildPids: [UInt32] = []
    var querySequence = 0
    var querySequences: [String: UInt64] = [:]
    /// When the supervisor's own next heartbeat is due, and its sequence number.
    var nextOwnBeat = 0.0
    var ownBeatSequence: UInt64 = 0
    /// Envelope sequence of `svc.replicas` (sequences count per topic).
    var replicasSequence: UInt64 = 0
    /// The supervisor heartbeats every second so that children can notice its silence (`SupervisorWatch`).
    static let ownBeatInterval = 1.0
    var control: ZMQSocket?
    var publisher: ZMQSocket?
    var subscriber: ZMQSocket?
    var signalFD: Int32 = -1
    var lockFD: Int32 = -1
    var forwarder: BusForwarder?
    /// Shared with the HTTP server: replica facts and the services' metrics snapshots.
    public let board: MetricsBoard
    /// When the board's replica facts were last refreshed.
    var boardUpdatedAt = -Double.infinity
    /// Called on the loop's thread once the lock is held and the sockets are bound, before any service starts
    /// (bloom-supervisor starts its HTTP server there: never for a node that is already running).
    public var onStarted: (() -> Void)?
    /// The supervisor's identity in the envelopes of the queries it publishes.
    let sender = SenderID.newBoot(service: .supervisor)

    /// How often heartbeat silence and readiness timeouts are checked, in seconds.
    static let checkInterval = 0.1

    /// Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP and returns a signalfd that reads them. Call it first in the main,
    /// before any thread exists (libzmq's, Foundation's): threads inherit the mask, so the signals can only be
    /// read from the descriptor and never kill the process by their default action.
    public static func blockSignals() -> Int32 {
        let signals: [Int32] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP]
        return signals.withUnsafeBufferPointer { bloom_signalfd($0.baseAddress, Int32($0.count)) }
    }

    /// Prepares a supervisor; nothing is started until `run()`.
    /// - Parameters:
    ///   - signalFD: from `blockSignals()`.
    ///   - binaryDirectory: where the service binaries are (default: beside this executable).
    ///   - reloader: re-reads `configuration` on SIGHUP (`nil`: a reload is refused with a log line).
    ///   - board: where replica facts and metrics snapshots are shared with the HTTP server.
    public init(
        configuration: NodeConfiguration,
        catalog: ServiceCatalog,
        logger: Logger,
        signalFD: Int32,
        binaryDirectory: String? = nil,
        reloader: ConfigurationReloader? = nil,
        board: MetricsBoard = MetricsBoard()
    ) {
        self.board = board
        self.signalFD = signalFD
        self.reloader = reloader
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
        self.binaryDirectory = binaryDirectory ?? Self.ownDirectory()
    }

    /// The directory of this executable, symbolic links resolved: where the service binaries are.
    public static func ownDirectory() -> String {
        let path =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    /// The executable of `definition`.
    func executable(of definition: ServiceDefinition) -> String {
        definition.command ?? binaryDirectory + "/" + definition.name
    }

    /// Runs until SIGTERM, SIGINT or a `stop` command has stopped every service.
    /// - Returns: the exit code (0 after a clean stop).
    /// - Throws: `SupervisorError` when the node cannot start; nothing is left running then.
    public func run() throws -> Int32 {
        let missing = try checkExecutables()
        try prepareDataDirectory()
        try openSockets()
        defer { closeSockets() }
        onStarted?()
        for definition in catalog.definitions {
            for index in 0..<definition.replicas {
                replicas.append(Replica(service: definition.name, index: index, policy: definition.restart))
                if let reason = missing[definition.name] {
                    replicas[replicas.count - 1].state = .failed
                    replicas[replicas.count - 1].failure = reason
                    logger.critical(
                        "SERVICE NOT STARTED",
                        metadata: [BloomLogKeys.service: "\(definition.name)", "bloom.reason": "\(reason)"]
                    )
                } else {
                    spawn(at: replicas.count - 1, now: MonotonicClock.now())
                }
            }
        }
        logger.notice(
            "supervisor started",
            metadata: ["bloom.data_dir": "\(configuration.dataDirectory)", "bloom.control": "\(configuration.control)"]
        )
        while !(shuttingDown && replicas.allSatisfy { $0.child == nil }) {
            try loopOnce()
        }
        // Queries still waiting get their answer: the node is going away.
        for query in pendingQueries { finish(query, now: MonotonicClock.now()) }
        pendingQueries = []
        logger.notice("supervisor stopped: every service has exited")
        return 0
    }

    /// A definition that names a command that does not exist is an error before anything starts. A service
    /// binary missing beside bloom-supervisor is a service not built yet: the others start, and that one is
    /// `failed` with a plain reason that `status` and forwarded questions repeat.
    private func checkExecutables() throws(SupervisorError) -> [String: String] {
        var missing: [String: String] = [:]
        for definition in catalog.definitions {
            let path = executable(of: definition)
            guard access(path, X_OK) != 0 else { continue }
            if definition.command != nil { throw .missingExecutable(service: definition.name, path: path) }
            missing[definition.name] = "not built: no executable at \(path)"
        }
        return missing
    }

    private func prepareDataDirectory() throws(SupervisorError) {
        for (path, mode) in [
            (configuration.dataDirectory, 0o700), (configuration.runDirectory, 0o700),
            (configuration.logDirectory, 0o700),
        ] {
            do {
                try FileManager.default.createDirectory(
                    atPath: path,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: mode]
                )
            } catch {
                throw .dataDirectory(path: path, reason: "cannot create: \(error.localizedDescription)")
            }
        }
        // run/ holds the sockets: only the node's user may reach them, whatever the umask made of it earlier.
        guard chmod(configuration.runDirectory, 0o700) == 0 else {
            throw .dataDirectory(
                path: configuration.runDirectory,
                reason: "cannot set mode 0700: \(String(cString: strerror(errno)))"
            )
        }
        switch SupervisorLock.acquire(configuration.lockFile) {
        case .success(let fd): lockFD = fd
        case .failure(.heldBy(let pid)): throw .alreadyRunning(dataDirectory: configuration.dataDirectory, pid: pid)
        case .failure(.cannotOpen(let code)):
            throw .dataDirectory(path: configuration.lockFile, reason: String(cString: strerror(code)))
        }
        // We hold the lock, so sockets left in run/ belong to a supervisor that died: remove them before binding.
        for endpoint in [configuration.busPub, configuration.busSub, configuration.control]
        where endpoint.hasPrefix("ipc://") {
            let path = String(endpoint.dropFirst(6))
            if unlink(path) == 0 { logger.notice("removed a stale socket", metadata: ["bloom.path": "\(path)"]) }
        }
    }

    private func openSockets() throws {
        let security: BusClientSecurity
        do {
            security = try configuration.busClientSecurity()
            if configuration.busConnect == nil {
                forwarder = try BusForwarder(
                    endpoints: BusEndpoints(
                        publish: configuration.busPub,
                        subscribe: configuration.busSub,
                        control: configuration.control
                    ),
                    configuration: .init(tcpListener: try busListener()),
                    logger: logger
                )
            } else {
                logger.notice(
                    "joining another host's bus: no forwarder runs here",
                    metadata: ["bloom.bus": "\(configuration.busPub) / \(configuration.busSub)"]
                )
            }
            let control = try NodeBus.socket(.router)
            try control.bind(configuration.control)
            let publisher = try NodeBus.socket(.pub)
            try publisher.secure(security)
            if configuration.busPub.hasPrefix("tcp://") { try publisher.keepTCPLinkAlive() }
            try publisher.connect(configuration.busPub)
            let subscriber = try NodeBus.socket(.sub)
            try subscriber.secure(security)
            if configuration.busSub.hasPrefix("tcp://") { try subscriber.keepTCPLinkAlive() }
            try subscriber.connect(configuration.busSub)
            try subscriber.subscribe(Topic.serviceHeartbeat.frame)
            try subscriber.subscribe(Topic.serviceReply.frame)
            // A service that joined the bus is brought up to date with the replica counts (ServiceHello).
            try subscriber.subscribe(Topic.serviceHello.frame)
            try subscriber.subscribe(Topic.serviceMetrics.frame)
            self.control = control
            self.publisher = publisher
            self.subscriber = subscriber
            busDialedAt = MonotonicClock.now()
        } catch let error as BusKeyError {
            closeSockets()
            throw SupervisorError.busKeys("\(error)")
        } catch {
            closeSockets()
            throw SupervisorError.endpoint("\(error)")
        }
    }

    /// The forwarder's listener for other hosts (`bus-bind`), with this node's key pair, made at first start.
    private func busListener() throws -> BusTCPListener? {
        guard let bind = configuration.busBind else { return nil }
        if configuration.busInsecure {
            return try BusTCPListener(bind: bind, security: .insecure)
        }
        let keys = configuration.keysDirectory
        let (pair, created) = try BusKeys.loadOrCreate(in: keys)
        let authorized = BusKeys.authorizedDirectory(in: keys)
        try? FileManager.default.createDirectory(
            atPath: authorized,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        logger.notice(
            created ? "made this node's bus key pair" : "bus key pair loaded",
            metadata: [
                "bloom.public_key": "\(pair.publicKey)",
                "bloom.authorized_keys": "\(authorized)",
                "bloom.hint": "remote supervisors join with --bus-connect \(bind) --bus-server-key \(pair.publicKey)",
            ]
        )
        return try BusTCPListener(
            bind: bind,
            security: .curve(keyPair: pair, authorizedKeysDirectory: authorized)
        )
    }

    private func closeSockets() {
        control = nil
        publisher = nil
        subscriber = nil
        forwarder?.stopAndWait()
        forwarder = nil
        for endpoint in [configuration.busPub, configuration.busSub, configuration.control]
        where endpoint.hasPrefix("ipc://") {
            unlink(String(endpoint.dropFirst(6)))
        }
        if signalFD >= 0 { close(signalFD) }
        signalFD = -1
        if lockFD >= 0 { close(lockFD) }
        lockFD = -1
    }

    private func loopOnce() throws {
        guard let control, let subscriber else { return }
        let now = MonotonicClock.now()
        var deadline = now + Self.checkInterval
        for replica in replicas where replica.state == .backoff || replica.state == .stopping {
            deadline = min(deadline, replica.deadline)
        }
        for query in pendingQueries { deadline = min(deadline, query.deadline) }
        deadline = min(deadline, nextOwnBeat)
        let timeout = max(0, Int(((deadline - now) * 1000).rounded(.up)))
        var items: [NodeBus.Item] = [.fd(signalFD), .socket(control), .socket(subscriber)]
        var outputs: [Int] = []
        for (position, replica) in replicas.enumerated() {
            if let child = replica.child, !replica.outputClosed {
                items.append(.fd(child.outputFD))
                outputs.append(position)
            }
        }
        let ready = try NodeBus.wait(items, timeoutMs: timeout)
        if ready[0] { handleSignals() }
        for (offset, position) in outputs.enumerated() where ready[3 + offset] && position < replicas.count {
            // At end of file the descriptor is closed and no longer polled: a child that closes its output while it
            // keeps running must not make every poll return at once.
            if let fd = replicas[position].child?.outputFD, replicas[position].pump?.drain(fd) == false {
                close(fd)
                replicas[position].outputClosed = true
            }
        }
        reapChildren()
        if ready[1] { handleControl(control) }
        if ready[2] { handleBus(subscriber) }
        handleTimers(now: MonotonicClock.now())
        advanceRollingRestarts(now: MonotonicClock.now())
    }

    private func handleSignals() {
        while true {
            let signal = bloom_signalfd_read(signalFD)
            if signal <= 0 { return }
            if signal == SIGTERM || signal == SIGINT {
                logger.notice("signal received: stopping every service", metadata: ["bloom.signal": "\(signal)"])
                beginShutdown()
            }
            if signal == SIGHUP {
                logger.notice("SIGHUP received: reloading the configuration")
                _ = reload()
            }
            // SIGCHLD: reaping happens after every wake-up.
        }
    }
}
