/// The `http` setting (flag `--http`, `BLOOM_HTTP`, `http` in bloom.toml): where bloom-supervisor serves its
/// metrics, JSON API and dashboard. `HOST:PORT` (`[::1]:7680` for IPv6), or `off`. Port 0 takes any free port
/// (the supervisor writes the one it got to `run/http.address`).
///
/// Everything about the setting is in this file and its two lines in ``CommonOptions`` and ``NodeConfiguration``.
public enum HTTPSetting: Equatable, Sendable {
    /// No HTTP server.
    case off
    /// Listen on `host`:`port`.
    case listen(host: String, port: Int)

    /// The default: loopback only.
    public static let defaultValue = "127.0.0.1:7680"

    /// The option's line in the common flag set.
    static let option = OptionSpec(
        name: "http",
        kind: .string,
        help: "bloom-supervisor's metrics, API and dashboard: HOST:PORT or off (default 127.0.0.1:7680)"
    )

    /// Parses the setting's text; `nil` when it is neither `off` nor `HOST:PORT`.
    public init?(_ text: String) {
        if text == "off" {
            self = .off
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        self = .listen(host: host, port: port)
    }

    /// Whether only this machine can reach the address (a wider one is allowed, with a warning in the log).
    public var isLoopback: Bool {
        guard case .listen(let host, _) = self else { return true }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
