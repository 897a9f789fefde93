/// An IP address and a port: where a peer listens (DESIGN.md: a peer's address is its IP plus the listen port it
/// advertised in VERSION), or a `--connect` target.
public struct PeerEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The host: a textual IP address (or a name, for `--connect`).
    public var host: String
    /// The TCP port.
    public var port: Int

    /// `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`; nil when the port is missing or out of range.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (1...65_535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `ip:port`, `[v6]:port` for IPv6.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// True for 127.0.0.0/8 and ::1: local test networks, exempt from the /16 diversity rule.
    public var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" || host == "localhost" }

    /// The IPv4 /16 group (`a.b`), or the whole host for anything else: no two outbound peers share one
    /// unless nothing else is available (spec §9, eclipse).
    public var group: String {
        let parts = host.split(separator: ".")
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return host }
        return "\(parts[0]).\(parts[1])"
    }

    /// Orders by (IP, port), numerically for IPv4, so both ends of a mutual dial agree which connection stays.
    public static func < (lhs: PeerEndpoint, rhs: PeerEndpoint) -> Bool {
        let (a, b) = (lhs.numericHost, rhs.numericHost)
        if a != b { return a.lexicographicallyPrecedes(b) }
        return lhs.port < rhs.port
    }

    private var numericHost: [Int] {
        let parts = host.split(separator: ".")
        if parts.count == 4, case let values = parts.compactMap({ Int($0) }), values.count == 4 { return values }
        return host.unicodeScalars.map { Int($0.value) + 256 }
    }
}
