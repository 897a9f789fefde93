import BloomHTTP
import BloomServiceKit
import BloomSupervisor
import Foundation
import Logging

// First, before any thread exists: see Supervisor.blockSignals.
let signalFD = Supervisor.blockSignals()
// A closed stderr (a pipe whose reader went away) must not kill the node: writes fail with EPIPE instead.
signal(SIGPIPE, SIG_IGN)
guard signalFD >= 0 else {
    FileHandle.standardError.write(Data("bloom-supervisor: cannot create a signalfd\n".utf8))
    exit(ExitCode.failure)
}
CommandLineFlags.answerHelpOrVersion(
    Array(CommandLine.arguments.dropFirst()),
    program: "bloom-supervisor",
    summary: "Starts every BloomCoin service, restarts them when they fail, stops them in order on SIGTERM."
)
let configuration: NodeConfiguration
let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
do {
    configuration = try NodeConfiguration.load(
        arguments: arguments,
        environment: environment,
        service: "bloom-supervisor"
    )
} catch {
    FileHandle.standardError.write(Data("bloom-supervisor: \(error)\n".utf8))
    exit(error.isUsageError ? ExitCode.usage : ExitCode.failure)
}
LogBootstrap.bootstrap(service: "bloom-supervisor", replica: 0, level: configuration.logLevel)
let logger = Logger(label: "bloom-supervisor")
let catalog: ServiceCatalog
let binaryDirectory = Supervisor.ownDirectory()
do {
    let resolved = try ServiceCatalog.resolve(
        servicesDirectory: configuration.servicesDirectory,
        binaryDirectory: binaryDirectory
    )
    catalog = try resolved.catalog.restricted(to: configuration.services)
    logger.info(
        "service definitions",
        metadata: [
            BloomLogKeys.servicesDirectory: "\(resolved.source)",
            "bloom.services": "\(catalog.definitions.map(\.name).joined(separator: ","))",
        ]
    )
} catch let error as SupervisorError {
    FileHandle.standardError.write(Data("bloom-supervisor: \(error)\n".utf8))
    exit(ExitCode.usage)
} catch {
    FileHandle.standardError.write(Data("bloom-supervisor: \(error)\n".utf8))
    exit(ExitCode.failure)
}
LogBootstrap.logProvenance(configuration, to: logger)
do {
    let supervisor = Supervisor(
        configuration: configuration,
        catalog: catalog,
        logger: logger,
        signalFD: signalFD,
        binaryDirectory: binaryDirectory,
        reloader: ConfigurationReloader(
            current: configuration,
            arguments: arguments,
            environment: environment,
            service: "bloom-supervisor"
        )
    )
    var http: NodeHTTP?
    supervisor.onStarted = {
        http = NodeHTTP.start(configuration: configuration, board: supervisor.board, logger: logger)
    }
    let code = try supervisor.run()
    http?.stop()
    exit(code)
} catch {
    FileHandle.standardError.write(Data("bloom-supervisor: \(error)\n".utf8))
    exit(ExitCode.failure)
}
