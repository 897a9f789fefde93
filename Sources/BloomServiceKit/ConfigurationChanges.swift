import Logging

/// What a configuration reload (`SIGHUP`) changed: each setting whose value differs, and whether a running node
/// applies it or needs a restart for it.
public struct ConfigurationChanges: Equatable, Sendable {
    /// One setting that changed.
    public struct Change: Equatable, Sendable {
        /// The option name.
        public var setting: String
        /// The running value, as logged at start (secrets redacted).
        public var old: String
        /// The value in the reloaded configuration.
        public var new: String
        /// True when the running processes apply it; false when it takes effect at the next start.
        public var appliesLive: Bool
    }

    /// The settings a running node applies without a restart: bloom-net takes the connect list, its limits and
    /// the ban time; every process takes the log level. Everything else is read once, at start.
    public static let live: Set<String> = ["log-level", "connect", "max-outbound", "max-inbound", "ban-time"]

    /// The changed settings, in option order.
    public var changes: [Change]

    /// Compares two configurations of the same process.
    public init(from old: NodeConfiguration, to new: NodeConfiguration) {
        var changes: [Change] = []
        for entry in new.provenance {
            guard let before = old.provenance.last(where: { $0.name == entry.name }) else { continue }
            guard before.comparable != entry.comparable else { continue }
            changes.append(
                Change(
                    setting: entry.name,
                    old: before.value,
                    new: entry.value,
                    appliesLive: Self.live.contains(entry.name)
                )
            )
        }
        self.changes = changes
    }

    /// True when nothing changed.
    public var isEmpty: Bool { changes.isEmpty }

    /// One line per change: "log-level changed: info → debug" or "bind changed: needs a restart (…)".
    /// - Parameter appliedHere: the live settings this process uses (a service); `nil` for the node's view (the
    ///   supervisor). A live setting this process does not use is left out: bloom-sync has no connect list.
    public func lines(appliedHere: Set<String>? = nil) -> [String] {
        changes.compactMap { change in
            let values = "\(change.old) → \(change.new)"
            if !change.appliesLive { return "\(change.setting) changed: needs a restart (\(values))" }
            if let appliedHere, !appliedHere.contains(change.setting) { return nil }
            return "\(change.setting) changed: \(values)"
        }
    }

    /// The node's view of the changes, as `lines()`.
    public var lines: [String] { lines() }

    /// Logs `lines(appliedHere:)` at notice, or that nothing changed.
    public func log(to logger: Logger, file: String?, appliedHere: Set<String>? = nil) {
        let source: Logger.Metadata = ["bloom.config": "\(file ?? "none")"]
        let shown = lines(appliedHere: appliedHere)
        if shown.isEmpty {
            logger.notice("configuration reloaded: nothing changed here", metadata: source)
            return
        }
        for line in shown { logger.notice("configuration reloaded: \(line)", metadata: source) }
    }
}
