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
        // --- bloom-sync (sync helper): merge by hand ---
        .library(name: "BloomSync", targets: ["BloomSync"]),
        .executable(name: "bloom-sync", targets: ["bloom-sync"]),
        // --- end bloom-sync ---
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // --- bloom-sync (sync helper): merge by hand ---
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // --- end bloom-sync ---
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
            dependencies: ["BloomCore", "BloomChain", "BloomWire", "BloomBus", "CZeroMQ"]
        ),
        .testTarget(name: "BloomCoreTests", dependencies: ["BloomCore"]),
        .testTarget(name: "BloomChainTests", dependencies: ["BloomChain", "BloomCore"]),
        .testTarget(name: "BloomWireTests", dependencies: ["BloomWire", "BloomCore"]),
        .testTarget(name: "BloomBusTests", dependencies: ["BloomBus", "BloomCore"]),
        .testTarget(
            name: "BloomVectorTests",
            dependencies: ["BloomCore", "BloomChain", "BloomWire"]
        ),
        // --- bloom-sync (sync helper): merge by hand ---
        // The chain store on SQLite, the mempool and the sync state machines.
        .target(
            name: "BloomSync",
            dependencies: [
                "BloomCore",
                "BloomChain",
                "BloomWire",
                "BloomBus",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "bloom-sync", dependencies: ["BloomSync", "BloomChain", "BloomCore"]),
        .testTarget(
            name: "BloomSyncTests",
            dependencies: ["BloomSync", "BloomChain", "BloomCore", "BloomWire", "BloomBus"]
        ),
        // --- end bloom-sync ---
    ]
)
