import Foundation

/// Banned IP addresses with their expiry (spec §2.5 item 13; DESIGN.md: bans by IP, `<data-dir>/bans.json`
/// written by atomic rename), so a restart keeps them.
///
/// Times are Unix seconds from an injected wall clock (a ban must survive a restart, so it cannot use a
/// monotonic clock). Not thread-safe: one owner (the net service's event loop).
public struct BanList: Sendable {
    /// One ban.
    public struct Entry: Codable, Hashable, Sendable {
        /// The banned IP address, textual (`127.0.0.66`, `::1`).
        public var ip: String
        /// Unix seconds at which the ban ends.
        public var until: Double
        /// Why, for the operator.
        public var reason: String

        /// A ban of `ip` until `until`.
        public init(ip: String, until: Double, reason: String) {
            self.ip = ip
            self.until = until
            self.reason = reason
        }
    }

    private struct FileFormat: Codable {
        var bans: [Entry]
    }

    /// The file the list persists to; nil keeps it in memory only.
    public let fileURL: URL?
    private var entries: [String: Entry] = [:]

    /// An empty list that is not persisted.
    public init() { fileURL = nil }

    /// Loads `<dataDirectory>/bans.json` if it exists; expired entries are dropped.
    ///
    /// A file that does not parse is treated as empty (and replaced at the next write) rather than stopping the
    /// node: the ban list is protective state, not consensus state.
    /// - Parameters:
    ///   - dataDirectory: The node's data directory (created if missing when the list is first saved).
    ///   - now: Current Unix time.
    public init(dataDirectory: URL, now: Double) {
        fileURL = dataDirectory.appendingPathComponent("bans.json")
        guard let url = fileURL, let data = try? Data(contentsOf: url),
            let file = try? JSONDecoder().decode(FileFormat.self, from: data)
        else { return }
        for entry in file.bans where entry.until > now && !entry.ip.isEmpty {
            entries[entry.ip] = entry
        }
    }

    /// Whether `ip` is banned at `now`.
    public func isBanned(_ ip: String, now: Double) -> Bool {
        guard let entry = entries[ip] else { return false }
        return entry.until > now
    }

    /// The bans in force at `now`, sorted by IP.
    public func active(now: Double) -> [Entry] {
        entries.values.filter { $0.until > now }.sorted { $0.ip < $1.ip }
    }

    /// Bans `ip` for `duration` seconds from `now` (an existing longer ban is kept) and saves the file.
    /// - Throws: a file-system error when the file cannot be written; the ban is in force in memory anyway.
    public mutating func ban(_ ip: String, duration: Double, reason: String, now: Double) throws {
        let until = now + max(0, duration)
        if let existing = entries[ip], existing.until >= until { return }
        entries[ip] = Entry(ip: ip, until: until, reason: reason)
        try save(now: now)
    }

    /// Lifts the ban on `ip`, if any, and saves the file.
    /// - Throws: a file-system error when the file cannot be written.
    public mutating func unban(_ ip: String, now: Double) throws {
        guard entries.removeValue(forKey: ip) != nil else { return }
        try save(now: now)
    }

    /// Drops expired entries (memory only; the file is rewritten at the next change).
    public mutating func prune(now: Double) {
        entries = entries.filter { $0.value.until > now }
    }

    /// Writes the active bans to a temporary file in the same directory, then renames it over `bans.json`, so a
    /// crash leaves either the old or the new file, never a torn one.
    private mutating func save(now: Double) throws {
        prune(now: now)
        guard let url = fileURL else { return }
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(FileFormat(bans: active(now: now)))
        let temporary = directory.appendingPathComponent("bans.json.tmp-\(getpid())")
        try data.write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw BanListError.renameFailed(path: url.path, errno: code)
        }
    }
}

/// The ban file could not be replaced.
public enum BanListError: Error, Hashable, Sendable {
    /// `rename(2)` onto `path` failed with `errno`.
    case renameFailed(path: String, errno: Int32)
}
