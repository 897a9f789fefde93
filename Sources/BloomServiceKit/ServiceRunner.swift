import BloomBus
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// What a service's setup gets from the runner.
public struct ServiceContext: Sendable {
    /// Full service name (`bloom-net`).
    public var service: String
    /// The resolved configuration.
    public var configuration: NodeConfiguration
    /// The service's logger.
    public var logger: Logger
    /// Heartbeats and query answering: call `link.onQuery` to answer the CLI's questions, `link.setTip` for the
    /// tip (bloom-sync).
    public var link: ServiceBusLink
    /// The settings for the service's own `BusClient`: the defaults, with CURVE when the bus is on another host.
    public var busClientConfiguration: BusClientConfiguration
    /// The ZeroMQ context for the service's own `BusClient`: the process's one, which the link already uses (a
    /// second context would add two idle threads, its I/O thread and its reaper).
    public var busContext: ZMQContext
    /// What the service applies on `SIGHUP` beyond the log level (bloom-net: connect list, limits, ban time).
    public var reloads: ConfigurationReloads
    /// The process's metrics (swift-metrics is bootstrapped onto it): add collectors, e.g. ``NodeMetrics/collect(_:)``
    /// for the service's bus client. The link sends its snapshot to the supervisor every second.
    public var metrics: NodeMetrics
}

/// A failure that restarting cannot fix (bad configuration, a corrupt store): the process exits with
/// `ExitCode.permanentFailure` and the supervisor does not restart it.
public struct PermanentFailure: Error, CustomStringConvertible {
    /// What is wrong, for the log.
    public var description: String

    /// Creates a failure.
    public init(_ description: String) { self.description = description }
}

/// Process exit codes shared by every binary (DESIGN.md).
public enum ExitCode {
    /// Success, including a graceful stop.
    public static let success: Int32 = 0
    /// The command or the service failed.
    public static let failure: Int32 = 1
    /// Wrong flags.
    public static let usage: Int32 = 2
    /// `bloom`: no node runs at that data directory.
    public static let noNode: Int32 = 3
    /// A service: permanent failure, do not restart (s6's convention, sysexits' EX_CONFIG).
    public static let permanentFailure: Int32 = 78
}

/// The main of every service binary: configuration, logging, the parent watch, heartbeats and a `ServiceGroup`
/// with SIGTERM and SIGINT as graceful shutdown.
public enum ServiceRunner {
    /// Runs a service process and exits.
    ///
    /// Heartbeats start in state `starting` and switch to `ready` once `makeServices` has returned: the
    /// supervisor counts the first `ready` heartbeat as readiness.
    /// - Parameters:
    ///   - service: the full name, e.g. `bloom-net`.
    ///   - arguments: the flags (default: the process's own).
    ///   - makeServices: builds the service's parts, listed dependencies first (shutdown runs in reverse).
    public static func main(
        service: String,
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        makeServices: @Sendable (ServiceContext) async throws -> [any Service]
    ) async -> Never {
        // Output goes to a pipe the supervisor reads; once it is gone a write must fail with EPIPE, not kill the
        // process by SIGPIPE in the middle of its graceful stop (seen by the chaos soak after kill -9 of a
        // supervisor: bloom-sync died at its first log line).
        signal(SIGPIPE, SIG_IGN)
        CommandLineFlags.answerHelpOrVersion(
            arguments,
            program: service,
            summary: "A BloomCoin service, normally started by bloom-supervisor."
        )
        let environment = ProcessInfo.processInfo.environment
        let configuration: NodeConfiguration
        do {
            configuration = try NodeConfiguration.load(
                arguments: arguments,
                environment: environment,
                service: service
            )
        } catch {
            FileHandle.standardError.write(Data("\(service): \(error)\n".utf8))
            exit(error.isUsageError ? ExitCode.usage : ExitCode.permanentFailure)
        }
        LogBootstrap.bootstrap(service: service, replica: configuration.replica, level: configuration.logLevel)
        let logger = Logger(label: service)
        LogBootstrap.logProvenance(configuration, to: logger)
        // SIGHUP re-reads the configuration (the supervisor forwards it); trapped before anything else starts, so
        // that an early one cannot end the process with the default action.
        let reloads = ConfigurationReloads()
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reloading = Task {
            var reloader = ConfigurationReloader(
                current: configuration,
                arguments: arguments,
                environment: environment,
                service: service
            )
            for await _ in hangups {
                if let updated = reloader.reloadAndLog(to: logger, appliedHere: reloads.appliedSettings) {
                    reloads.apply(updated)
                }
            }
        }
        guard ParentWatch.arm(environment: environment) else {
            logger.notice("supervisor already gone; exiting")
            exit(ExitCode.success)
        }
        let busSecurity: BusClientSecurity
        do {
            busSecurity = try configuration.busClientSecurity()
        } catch {
            logger.critical("cannot use the bus keys", metadata: [BloomLogKeys.error: "\(error)"])
            exit(ExitCode.permanentFailure)
        }
        let metrics = NodeMetrics.bootstrap()
        let link: ServiceBusLink
        let busContext: ZMQContext
        do {
            busContext = try NodeBus.sharedContext()
            link = try ServiceBusLink(
                service: service,
                replica: configuration.replica,
                configuration: configuration,
                supervisorWatch: SupervisorWatch.from(environment: environment).map { watch in
                    var watch = watch
                    watch.busIsRemote = configuration.busPub.hasPrefix("tcp://")
                    return watch
                },
                // The same path as an operator's SIGTERM: a graceful stop through the ServiceGroup.
                onSupervisorLost: { kill(getpid(), SIGTERM) },
                security: busSecurity,
                metrics: metrics,
                logger: logger
            )
        } catch {
            logger.critical("cannot connect to the bus", metadata: [BloomLogKeys.error: "\(error)"])
            exit(ExitCode.permanentFailure)
        }
        let code: Int32
        do {
            let services = try await makeServices(
                ServiceContext(
                    service: service,
                    configuration: configuration,
                    logger: logger,
                    link: link,
                    busClientConfiguration: BusClientConfiguration(security: busSecurity),
                    busContext: busContext,
                    reloads: reloads,
                    metrics: metrics
                )
            )
            link.setState(.ready)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
            logger.info("stopped")
            code = ExitCode.success
        } catch let failure as PermanentFailure {
            logger.critical("permanent failure", metadata: [BloomLogKeys.error: "\(failure)"])
            code = ExitCode.permanentFailure
        } catch {
            logger.error("failed", metadata: [BloomLogKeys.error: "\(error)"])
            code = ExitCode.failure
        }
        reloading.cancel()
        link.stop()
        exit(code)
    }
}
