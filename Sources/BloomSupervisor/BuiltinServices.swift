/// The built-in copy of `Services/`, used when no `--services-dir` is given. A test checks that these texts
/// equal the files in `Services/`, so edit both together.
public enum BuiltinServices {
    /// File name → contents, one per service.
    public static let files: [(name: String, text: String)] = [
        (
            "bloom-gossip.toml",
            #"""
            # bloom-gossip: the local oscillator ensemble, peers' phase states, the sharing strategy, bloom detection.
            # One replica. Stopped after bloom-net and before bloom-sync.
            [service]
            name = "bloom-gossip"
            replicas = 1
            scalable = false
            stop_order = 1

            [restart]
            policy = "always"
            backoff_initial_ms = 100
            backoff_max_ms = 30000
            stable_s = 3
            max_restarts = 5
            window_s = 60
            retry_failed_s = 300

            [timeouts]
            readiness_s = 30
            heartbeat_s = 5
            stop_s = 10
            """# + "\n"
        ),
        (
            "bloom-net.toml",
            #"""
            # bloom-net: peer connections (framing, handshake, limits, bans). The only process that talks TCP to peers.
            # Replicas share the P2P port. Stopped first, so that peers stop feeding work to the others.
            [service]
            name = "bloom-net"
            replicas = 1
            scalable = true
            stop_order = 0

            [restart]
            policy = "always"
            backoff_initial_ms = 100
            backoff_max_ms = 30000
            stable_s = 3
            max_restarts = 5
            window_s = 60
            retry_failed_s = 300

            [timeouts]
            readiness_s = 30
            heartbeat_s = 5
            stop_s = 10
            """# + "\n"
        ),
        (
            "bloom-sync.toml",
            #"""
            # bloom-sync: the chain store (SQLite) and the mempool; block and tx validation; chain download.
            # One replica (it owns the store). Stopped last, so the store closes cleanly; a longer stop timeout.
            [service]
            name = "bloom-sync"
            replicas = 1
            scalable = false
            stop_order = 2

            [restart]
            policy = "always"
            backoff_initial_ms = 100
            backoff_max_ms = 30000
            stable_s = 3
            max_restarts = 5
            window_s = 60
            retry_failed_s = 300

            [timeouts]
            readiness_s = 30
            heartbeat_s = 5
            stop_s = 20
            """# + "\n"
        ),
    ]
}
