import BloomCore
import Foundation
import Logging

/// Logging for every binary: one line per record on stderr, prefixed with the service name and replica.
public enum LogBootstrap {
    /// Installs the process-wide log handler. Call once, first thing in a main.
    /// - Parameters:
    ///   - service: the binary's name, e.g. `bloom-net`.
    ///   - replica: the replica index, printed as `bloom-net/0`.
    ///   - level: one of `CommonOptions.logLevels`; unknown names mean `info`.
    public static func bootstrap(service: String, replica: Int, level: String) {
        setLevel(level)
        LoggingSystem.bootstrap { label in
            PrefixedStderrLogHandler(prefix: "\(service)/\(replica)", label: label)
        }
    }

    /// The level of every handler that has none of its own; `SIGHUP` changes it while the process runs.
    /// - Parameter level: one of `CommonOptions.logLevels`; unknown names mean `info`.
    public static func setLevel(_ level: String) {
        processLevel.withLock { $0 = Logger.Level(rawValue: level) ?? .info }
    }

    /// The current process-wide level.
    public static var level: Logger.Level { processLevel.withLock { $0 } }

    private static let processLevel = Locked<Logger.Level>(.info)

    /// Logs where each configuration value came from, one line each, at info.
    public static func logProvenance(_ configuration: NodeConfiguration, to logger: Logger) {
        for entry in configuration.provenance {
            logger.info(
                "configuration",
                metadata: [
                    BloomLogKeys.setting: "\(entry.name)", BloomLogKeys.value: "\(entry.value)",
                    BloomLogKeys.origin: "\(entry.origin)",
                ]
            )
        }
    }
}

/// Metadata keys used across the kit and the supervisor.
public enum BloomLogKeys {
    /// A configuration option's name.
    public static let setting = "bloom.setting"
    /// A configuration option's value.
    public static let value = "bloom.value"
    /// Where a value came from.
    public static let origin = "bloom.origin"
    /// A service name.
    public static let service = "bloom.service"
    /// A replica index.
    public static let replica = "bloom.replica"
    /// A process id.
    public static let pid = "bloom.pid"
    /// An error description.
    public static let error = "bloom.error"
    /// A state name.
    public static let state = "bloom.state"
    /// A delay in milliseconds.
    public static let delayMs = "bloom.delay_ms"
    /// A request id.
    public static let request = "bloom.request"
    /// Where the supervisor's service definitions come from (a directory, or `built-in`).
    public static let servicesDirectory = "bloom.services_dir"
}

/// Writes `time prefix level label: message key=value…` lines to stderr with one `write(2)` each, so lines
/// of concurrent threads do not interleave.
public struct PrefixedStderrLogHandler: LogHandler {
    /// `service/replica`.
    public let prefix: String
    /// The logger's label.
    public let label: String
    /// Minimum level written: the one set on this handler, else the process-wide `LogBootstrap.level`.
    public var logLevel: Logger.Level {
        get { ownLevel ?? LogBootstrap.level }
        set { ownLevel = newValue }
    }
    private var ownLevel: Logger.Level?
    /// Metadata added to every record.
    public var metadata: Logger.Metadata = [:]

    /// Creates a handler.
    public init(prefix: String, label: String) {
        self.prefix = prefix
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "\(Self.timestamp()) \(prefix) \(event.level) \(label): \(event.message)"
        for key in merged.keys.sorted() {
            // Safe to unwrap: `key` comes from the dictionary's own keys.
            line += " \(key)=\(merged[key]!)"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(
            format: "%02d:%02d:%02d.%03d",
            parts.tm_hour,
            parts.tm_min,
            parts.tm_sec,
            Int(now.tv_nsec / 1_000_000)
        )
    }
}
