import BloomCLI
import BloomServiceKit
import BloomSupervisor
import Foundation

/// What one request gets: the routes of the read-only HTTP interface, independent of NIO so they read plainly.
///
/// | path | answer |
/// | --- | --- |
/// | `/` | the dashboard page |
/// | `/dashboard.js` | its script |
/// | `/metrics` | Prometheus text 0.0.4: every service's series with `service` and `replica` labels |
/// | `/api/status`, `/api/chain`, `/api/peers`, `/api/coherence`, `/api/mempool` | the JSON of `bloom … --json` |
/// | `/api/coherence/history?seconds=N` | `{seconds, z_c, samples}`, N from 1 to 86400 (default 600) |
/// | `/events` | server-sent events, one batch a second (handled by the server: it stays open) |
///
/// GET and HEAD only (405 otherwise); an unknown path is 404, a bad query 400.
public struct HTTPRouter: Sendable {
    /// A complete answer.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        init(_ status: Int, _ contentType: String, _ body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        static func json(_ status: Int, _ value: JSONValue) -> Response {
            Response(status, "application/json", Array((value.encoded(pretty: true) + "\n").utf8))
        }

        static func error(_ status: Int, _ message: String) -> Response {
            json(status, .object(["error": .string(message)]))
        }
    }

    /// What the server must do with a request.
    public enum Route: Equatable, Sendable {
        /// Answer at once (cheap work, done on the event loop).
        case immediate(path: String)
        /// Ask the node: blocking, done on the thread pool.
        case ask(cmd: String)
        /// Open an event stream.
        case events
        /// Refuse.
        case refuse(status: Int, message: String)
    }

    /// The API paths answered by a control-socket question, with the command.
    public static let questions: [String: String] = [
        "/api/status": "status", "/api/chain": "chain", "/api/peers": "peers", "/api/coherence": "coherence",
        "/api/mempool": "mempool",
    ]

    let board: MetricsBoard
    let history: CoherenceHistory
    let client: ControlClient

    public init(board: MetricsBoard, history: CoherenceHistory, client: ControlClient) {
        self.board = board
        self.history = history
        self.client = client
    }

    /// Where a request goes.
    public static func route(method: String, uri: String) -> Route {
        guard method == "GET" || method == "HEAD" else {
            return .refuse(status: 405, message: "this server is read-only: GET and HEAD only")
        }
        let path = String(uri.prefix { $0 != "?" })
        if path == "/events" { return .events }
        if let cmd = questions[path] { return .ask(cmd: cmd) }
        if ["/", "/index.html", "/dashboard.js", "/metrics", "/api/coherence/history"].contains(path) {
            return .immediate(path: path)
        }
        return .refuse(status: 404, message: "no such path: \(path)")
    }

    /// The query parameters of `uri`, percent-decoded; `nil` when malformed.
    static func query(of uri: String) -> [String: String]? {
        guard let mark = uri.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = String(parts[0]).removingPercentEncoding,
                let value = (parts.count > 1 ? String(parts[1]) : "").removingPercentEncoding
            else { return nil }
            result[key] = value
        }
        return result
    }

    /// The answer of an `.immediate` route.
    public func answer(path: String, uri: String) -> Response {
        switch path {
        case "/", "/index.html": return Response(200, "text/html; charset=utf-8", Array(DashboardAssets.html.utf8))
        case "/dashboard.js":
            return Response(200, "application/javascript; charset=utf-8", Array(DashboardAssets.script.utf8))
        case "/metrics": return Response(200, PrometheusText.contentType, Array(board.exposition().utf8))
        case "/api/coherence/history":
            guard let query = Self.query(of: uri) else { return .error(400, "malformed query string") }
            let text = query["seconds"] ?? "600"
            guard let seconds = Int(text), (1...86400).contains(seconds) else {
                return .error(400, "seconds must be an integer from 1 to 86400, not '\(text)'")
            }
            return .json(200, history.json(seconds: seconds))
        default: return .error(404, "no such path: \(path)")
        }
    }

    /// The answer of an `.ask` route: blocks up to the client's timeout (run it off the event loop).
    public func ask(_ cmd: String) -> Response {
        do {
            return .json(200, try client.ask(cmd))
        } catch {
            // The node is up (this server runs in it) but the service cannot answer: unavailable, as with `bloom`.
            return .error(503, "\(error)")
        }
    }
}
