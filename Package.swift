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
        .executable(name: "bloom-bench", targets: ["bloom-bench"]),
        // --- BloomNet (net helper): begin ---
        .library(name: "BloomNet", targets: ["BloomNet"]),
        // --- BloomNet (net helper): end ---
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // --- BloomNet (net helper): begin ---
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // --- BloomNet (net helper): end ---
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
        .executableTarget(
            name: "bloom-bench",
            // "BloomNet" + NIOPosix: added by the net helper for NetBenchmarks.swift.
            dependencies: [
                "BloomCore", "BloomChain", "BloomWire", "BloomBus", "CZeroMQ", "BloomNet",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "BloomCoreTests", dependencies: ["BloomCore"]),
        .testTarget(name: "BloomChainTests", dependencies: ["BloomChain", "BloomCore"]),
        .testTarget(name: "BloomWireTests", dependencies: ["BloomWire", "BloomCore"]),
        .testTarget(name: "BloomBusTests", dependencies: ["BloomBus", "BloomCore"]),
        .testTarget(
            name: "BloomVectorTests",
            dependencies: ["BloomCore", "BloomChain", "BloomWire"]
        ),
        // --- BloomNet (net helper): begin ---
        // Peer connections: the per-connection state machine, the ban list and the SwiftNIO transport.
        .target(
            name: "BloomNet",
            dependencies: [
                "BloomCore",
                "BloomWire",
                "BloomBus",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Real TCP on loopback: its suites run serialized.
        .testTarget(
            name: "BloomNetTests",
            dependencies: [
                "BloomNet",
                "BloomWire",
                "BloomCore",
                "BloomBus",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // --- BloomNet (net helper): end ---
    ]
)
