// swift-tools-version: 6.1
import PackageDescription

/// Every target compiles in the Swift 6 language mode, which makes strict concurrency checking complete.
let package = Package(
    name: "BloomCoin",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "BloomCore", targets: ["BloomCore"]),
        .library(name: "BloomChain", targets: ["BloomChain"]),
        .library(name: "BloomWire", targets: ["BloomWire"]),
        .library(name: "BloomBus", targets: ["BloomBus"]),
        .library(name: "BloomServiceKit", targets: ["BloomServiceKit"]),
        .library(name: "BloomSupervisor", targets: ["BloomSupervisor"]),
        .library(name: "BloomCLI", targets: ["BloomCLI"]),
        .executable(name: "bloom-supervisor", targets: ["bloom-supervisor"]),
        .executable(name: "bloom", targets: ["bloom"]),
        .executable(name: "bloom-bench", targets: ["bloom-bench"]),
        .library(name: "BloomGossip", targets: ["BloomGossip"]),
        .executable(name: "bloom-gossip", targets: ["bloom-gossip"]),
        .library(name: "BloomNet", targets: ["BloomNet"]),
        .executable(name: "bloom-net", targets: ["bloom-net"]),
        .library(name: "BloomSync", targets: ["BloomSync"]),
        .executable(name: "bloom-sync", targets: ["bloom-sync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // Layered configuration (flags, environment, file) with secrets; no traits: the node reads no JSON or YAML.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // libzmq's C API (Debian: libzmq3-dev). Only BloomBus imports it.
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        // Consensus data structures, hashes and the Kuramoto dynamics: no I/O.
        .target(
            name: "BloomCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The chain rules of spec §5 over an abstract block tree / UTXO view, with an in-memory implementation.
        .target(name: "BloomChain", dependencies: ["BloomCore"]),
        // Peer frames and message payload codecs: no sockets.
        .target(name: "BloomWire", dependencies: ["BloomCore"]),
        // ZeroMQ sockets in Swift, topics, envelopes, the forwarder and the mock bus.
        .target(
            name: "BloomBus",
            dependencies: [
                "CZeroMQ",
                "BloomCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Process-level calls Swift cannot make directly (variadic prctl, signalfd, posix_spawn attributes).
        .target(name: "CBloomSys"),
        // What every service binary shares: configuration (flags > environment > file > defaults), logging,
        // heartbeats, query answering, the parent watch and the service main runner.
        .target(
            name: "BloomServiceKit",
            dependencies: [
                "BloomBus",
                "CBloomSys",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Service definitions, child processes, restarts, the bus forwarder and the control socket.
        .target(
            name: "BloomSupervisor",
            dependencies: [
                "BloomServiceKit",
                "CBloomSys",
                "BloomBus",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // bloom-supervisor's read-only HTTP server on NIOHTTP1: /metrics, the JSON API (through the CLI's control
        // client), coherence history, server-sent events and the dashboard page.
        .target(
            name: "BloomHTTP",
            dependencies: [
                "BloomSupervisor",
                "BloomServiceKit",
                "BloomCLI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The operator's `bloom` command: argument parsing, the control-socket client, human output.
        .target(
            name: "BloomCLI",
            dependencies: [
                "BloomServiceKit",
                "BloomBus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "bloom-supervisor", dependencies: ["BloomSupervisor", "BloomServiceKit", "BloomHTTP"]),
        .executableTarget(name: "bloom", dependencies: ["BloomCLI"]),
        // A fake service for the supervisor's tests and benchmarks: heartbeats, and crashes, hangs or ignores
        // SIGTERM on request.
        .executableTarget(name: "bloom-test-service", dependencies: ["BloomServiceKit", "BloomBus"]),
        .executableTarget(
            name: "bloom-bench",
            dependencies: [
                "BloomCore", "BloomChain", "BloomWire", "BloomBus", "CZeroMQ", "BloomServiceKit", "BloomCLI",
                "BloomGossip", "BloomNet", "BloomSync", "BloomHTTP",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What every test target shares: the dedicated-thread trait for tests that block or compute, and hang
        // guards that count only running time (so a busy machine never fails a test).
        .target(name: "BloomTestSupport", dependencies: ["BloomBus"], path: "Tests/BloomTestSupport"),
        .testTarget(name: "BloomCoreTests", dependencies: ["BloomTestSupport", "BloomCore"]),
        .testTarget(name: "BloomChainTests", dependencies: ["BloomTestSupport", "BloomChain", "BloomCore"]),
        .testTarget(name: "BloomWireTests", dependencies: ["BloomTestSupport", "BloomWire", "BloomCore"]),
        .testTarget(name: "BloomBusTests", dependencies: ["BloomTestSupport", "BloomBus", "BloomCore"]),
        .testTarget(
            name: "BloomServiceKitTests",
            dependencies: [
                "BloomTestSupport", "BloomServiceKit", "BloomBus", "BloomCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Process-heavy: starts real supervisors and fake services; its suites run serialized.
        .testTarget(
            name: "BloomSupervisorTests",
            dependencies: ["BloomTestSupport", "BloomSupervisor", "BloomServiceKit", "BloomCLI", "BloomBus"]
        ),
        // The HTTP server over a real socket on an ephemeral port, and the metrics text format.
        .testTarget(
            name: "BloomHTTPTests",
            dependencies: [
                "BloomTestSupport", "BloomHTTP", "BloomSupervisor", "BloomServiceKit", "BloomBus",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BloomVectorTests",
            dependencies: ["BloomTestSupport", "BloomCore", "BloomChain", "BloomWire"]
        ),
        // bloom-gossip's logic: sharing strategy, peer phase table, consistency scores, BLOOM handling, the
        // mining controller and its dedicated ensemble thread (pure state machines), and `GossipService`, which
        // wires them to the bus.
        .target(
            name: "BloomGossip",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "BloomCore",
                "BloomWire",
                "BloomBus",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Thin main: flags via BloomServiceKit, the bus client, GossipService under a ServiceGroup.
        .executableTarget(
            name: "bloom-gossip",
            dependencies: [
                "BloomGossip",
                "BloomBus",
                "BloomCore",
                "BloomServiceKit",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "BloomGossipTests",
            dependencies: ["BloomTestSupport", "BloomGossip", "BloomCore", "BloomWire", "BloomBus"]
        ),
        // Starts the real bloom-gossip binary against a mock bus; serialized, process-heavy.
        .testTarget(
            name: "BloomGossipProcessTests",
            dependencies: ["BloomTestSupport", "BloomGossip", "BloomBus", "BloomCore"]
        ),
        // Peer connections: the per-connection state machine, the ban list and the SwiftNIO transport.
        .target(
            name: "BloomNet",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "BloomCore",
                "BloomWire",
                "BloomBus",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The thin main: configuration, bus and ServiceGroup from the service kit.
        .executableTarget(
            name: "bloom-net",
            dependencies: [
                "BloomNet",
                "BloomBus",
                "BloomServiceKit",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Real TCP on loopback: its suites run serialized.
        .testTarget(
            name: "BloomNetTests",
            dependencies: [
                "BloomTestSupport",
                "BloomNet",
                "BloomWire",
                "BloomCore",
                "BloomBus",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The chain store on SQLite, the mempool and the sync state machines.
        .target(
            name: "BloomSync",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                "BloomCore",
                "BloomChain",
                "BloomWire",
                "BloomBus",
                "BloomServiceKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "bloom-sync", dependencies: ["BloomSync", "BloomServiceKit"]),
        .testTarget(
            name: "BloomSyncTests",
            dependencies: [
                "BloomTestSupport", "BloomSync", "BloomChain", "BloomCore", "BloomWire", "BloomBus", "BloomServiceKit",
            ]
        ),
        // The whole node end to end: real supervisors, services, TCP on loopback and ZeroMQ. One serialized suite;
        // it runs the built binaries beside the test bundle (`swift build --build-tests` first).
        .testTarget(
            name: "BloomEndToEndTests",
            dependencies: ["BloomTestSupport", "BloomCLI", "BloomServiceKit", "BloomWire", "BloomCore", "BloomBus"]
        ),
        // Fuzz targets: each decoder of outside bytes with the property it must keep. `Scripts/fuzz` builds
        // bloom-fuzz with libFuzzer in its own scratch path (.build-fuzz); the ordinary build compiles it without,
        // and BloomFuzzTests runs the kept crash inputs through the same checks.
        .target(
            name: "BloomFuzz",
            dependencies: ["BloomCore", "BloomChain", "BloomWire", "BloomBus", "BloomServiceKit", "BloomSupervisor"]
        ),
        .target(name: "CBloomFuzz"),
        .executableTarget(name: "bloom-fuzz", dependencies: ["BloomFuzz", "CBloomFuzz"]),
        .testTarget(
            name: "BloomFuzzTests",
            dependencies: ["BloomTestSupport", "BloomFuzz"],
            exclude: ["FuzzRegressions", "fuzz-runs.tsv"]
        ),
    ]
)
