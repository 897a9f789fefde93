import BloomCLI
import BloomServiceKit
import BloomSupervisor
import Foundation
import Logging

/// Starts and stops bloom-supervisor's HTTP side as the `http` setting says: the server, the poller and the
/// coherence history. A server that cannot bind is logged and left out: the node runs without it.
public final class NodeHTTP: Sendable {
    public let server: HTTPServer
    let poller: NodePoller
    /// Where the bound address is written (`run/http.address`), for scripts and tests that asked for port 0.
    let addressFile: String

    private init(server: HTTPServer, poller: NodePoller, addressFile: String) {
        self.server = server
        self.poller = poller
        self.addressFile = addressFile
    }

    /// Starts serving unless the setting is `off`; `nil` when off or when the address cannot be bound.
    public static func start(configuration: NodeConfiguration, board: MetricsBoard, logger: Logger) -> NodeHTTP? {
        guard case .listen(let host, let port) = configuration.http else {
            logger.info("HTTP server off")
            return nil
        }
        if !configuration.http.isLoopback {
            logger.warning(
                "HTTP server listens beyond this machine: metrics, peers and the dashboard are readable by anyone who reaches it",
                metadata: ["bloom.http": "\(host):\(port)"]
            )
        }
        let history = CoherenceHistory()
        let hub = EventHub()
        let client = ControlClient(configuration: configuration, timeout: 8)
        let router = HTTPRouter(board: board, history: history, client: client)
        let server: HTTPServer
        do {
            server = try HTTPServer(host: host, port: port, router: router, hub: hub)
        } catch {
            logger.error(
                "HTTP server not started: cannot listen",
                metadata: ["bloom.http": "\(host):\(port)", BloomLogKeys.error: "\(error)"]
            )
            return nil
        }
        let poller = NodePoller(client: client, history: history, hub: hub, logger: logger)
        poller.start()
        let addressFile = configuration.runDirectory + "/http.address"
        try? FileManager.default.createDirectory(atPath: configuration.runDirectory, withIntermediateDirectories: true)
        try? Data((server.url + "\n").utf8).write(to: URL(fileURLWithPath: addressFile), options: .atomic)
        logger.notice("dashboard", metadata: ["bloom.url": "\(server.url)"])
        return NodeHTTP(server: server, poller: poller, addressFile: addressFile)
    }

    /// Stops the poller and the server.
    public func stop() {
        poller.stop()
        server.stop()
        unlink(addressFile)
    }
}
