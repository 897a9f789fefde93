import BloomCore
import Foundation
import Logging

/// Re-reads a process's configuration on `SIGHUP` and keeps the running one, with only the live settings
/// (`ConfigurationChanges.live`) moved to their new values; a bad file leaves it as it was.
public struct ConfigurationReloader: Sendable {
    private let arguments: [String]
    private let environment: [String: String]
    private let currentDirectory: String
    private let service: String?
    /// The configuration the process runs with.
    public private(set) var current: NodeConfiguration

    /// Starts from `current`, which was loaded from the same arguments, environment, directory and service.
    public init(
        current: NodeConfiguration,
        arguments: [String],
        environment: [String: String],
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        service: String?
    ) {
        self.current = current
        self.arguments = arguments
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.service = service
    }

    /// Reads the configuration again (flags and environment are the process's own, so in practice the file).
    /// - Returns: what changed; `current` now holds the live settings' new values.
    /// - Throws: the `ConfigurationError` of a bad file; `current` is unchanged.
    public mutating func reload() throws(ConfigurationError) -> ConfigurationChanges {
        let next = try NodeConfiguration.load(
            arguments: arguments,
            environment: environment,
            currentDirectory: currentDirectory,
            service: service
        )
        let changes = ConfigurationChanges(from: current, to: next)
        var updated = current
        updated.logLevel = next.logLevel
        updated.connect = next.connect
        updated.maxOutbound = next.maxOutbound
        updated.maxInbound = next.maxInbound
        updated.banTime = next.banTime
        updated.provenance = current.provenance.map { entry in
            guard ConfigurationChanges.live.contains(entry.name) else { return entry }
            return next.provenance.last { $0.name == entry.name } ?? entry
        }
        current = updated
        return changes
    }

    /// Reloads, applies the log level, logs what changed and returns the new configuration; logs the error and
    /// returns `nil` when the file is bad.
    /// - Parameter appliedHere: the live settings this process applies (see `ConfigurationChanges.lines`).
    public mutating func reloadAndLog(to logger: Logger, appliedHere: Set<String>? = nil) -> NodeConfiguration? {
        do {
            let changes = try reload()
            LogBootstrap.setLevel(current.logLevel)
            changes.log(to: logger, file: current.configFile, appliedHere: appliedHere)
            return current
        } catch {
            logger.error(
                "configuration reload failed; the running configuration stays",
                metadata: [BloomLogKeys.error: "\(error)"]
            )
            return nil
        }
    }
}

/// What a service applies when its configuration is reloaded: `ServiceContext.reloads.onReload { … }`.
public final class ConfigurationReloads: Sendable {
    private let state = Locked<(handlers: [@Sendable (NodeConfiguration) -> Void], settings: Set<String>)>(
        ([], ["log-level"])
    )

    /// Creates an empty registry; the log level is applied by the runner for every service.
    public init() {}

    /// Registers `handler`, called with the new configuration after each successful reload (on a task of the
    /// runner: hop to the service's own executor to touch its state).
    /// - Parameter settings: the live settings (`ConfigurationChanges.live`) the handler applies, so that the
    ///   reload log of this process names them and leaves out the ones it does not use.
    public func onReload(applying settings: Set<String>, _ handler: @escaping @Sendable (NodeConfiguration) -> Void) {
        state.withLock {
            $0.handlers.append(handler)
            $0.settings.formUnion(settings)
        }
    }

    /// The live settings this process applies: the log level and what the handlers declared.
    public var appliedSettings: Set<String> { state.withLock { $0.settings } }

    /// Calls every handler with `configuration`.
    public func apply(_ configuration: NodeConfiguration) {
        for handler in state.withLock({ $0.handlers }) { handler(configuration) }
    }
}
