// swift-tools-version: 6.1
// trove-db2-agent: a Trove guest agent for DB2, with full online backup and restore.

import PackageDescription

/// Settings every Swift target gets: Swift 6 language mode (strict concurrency) and upcoming features that make
/// dependencies explicit.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
// swift-subprocess names programs by `FilePath`; SystemPackage (already a dependency of swift-subprocess) declares it.
let systemPackage: Target.Dependency = .product(name: "SystemPackage", package: "swift-system")

let package = Package(
    name: "trove-db2-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "trove-db2-agent", targets: ["trove-db2-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: C libraries. Each is imported by exactly one Swift module (named in the comment).
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),  // AMQP
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),  // CryptoPrimitives
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),  // Compression
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),  // Compression
        // libcurl (headers from libcurl4-openssl-dev) is loaded on first use, not linked: see Sources/CCurl.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),  // HTTPTransport

        // MARK: Wrappers: the only importers of the C libraries above.
        .target(name: "AgentSupport", swiftSettings: strictSettings),
        .target(name: "AMQP", dependencies: ["CRabbitMQ", "AgentSupport", log], swiftSettings: strictSettings),
        .target(name: "CryptoPrimitives", dependencies: ["COpenSSL", "AgentSupport"], swiftSettings: strictSettings),
        .target(name: "Compression", dependencies: ["CZlib", "CLibdeflate"], swiftSettings: strictSettings),
        .target(name: "HTTPTransport", dependencies: ["CCurl", "AgentSupport", log], swiftSettings: strictSettings),

        // MARK: Domain modules.
        .target(name: "TroveConfig", dependencies: ["AgentSupport", log], swiftSettings: strictSettings),
        .target(
            name: "OsloRPC",
            dependencies: ["AMQP", "AgentSupport", log],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BackupStream",
            dependencies: ["Compression", "CryptoPrimitives", "AgentSupport", log],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ObjectStorage",
            dependencies: ["HTTPTransport", "CryptoPrimitives", "AgentSupport", log],
            swiftSettings: strictSettings
        ),
        .target(name: "DB2", dependencies: ["AgentSupport", subprocess, systemPackage, log], swiftSettings: strictSettings),
        .target(
            name: "GuestAgent",
            dependencies: [
                "TroveConfig", "OsloRPC", "AMQP", "DB2", "BackupStream", "ObjectStorage", "CryptoPrimitives",
                "AgentSupport", log, serviceLifecycle, unixSignals,
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "trove-db2-agent",
            dependencies: ["GuestAgent", "TroveConfig", "BackupStream", "AgentSupport", argumentParser, log],
            swiftSettings: strictSettings
        ),

        // MARK: Test support, under Tests/: the DB2 stand-in (a library and its `db2sim` command). No product: never
        // part of the installed agent.
        .target(name: "DB2Simulator", path: "Tests/DB2Simulator", exclude: ["README.md"], swiftSettings: strictSettings),
        .executableTarget(name: "db2sim", dependencies: ["DB2Simulator"], path: "Tests/db2sim", swiftSettings: strictSettings),

        // MARK: Tests.
        .target(name: "TestSupport", dependencies: ["AgentSupport", log], path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(name: "AgentSupportTests", dependencies: ["AgentSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "CryptoPrimitivesTests", dependencies: ["CryptoPrimitives", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "CompressionTests", dependencies: ["Compression", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "HTTPTransportTests", dependencies: ["HTTPTransport"], swiftSettings: strictSettings),
        .testTarget(name: "TroveConfigTests", dependencies: ["TroveConfig", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "OsloRPCTests", dependencies: ["OsloRPC", "AMQP", "AgentSupport", "TestSupport", log], swiftSettings: strictSettings),
        .testTarget(name: "AMQPTests", dependencies: ["AMQP", "AgentSupport", "TestSupport", log], swiftSettings: strictSettings),
        .testTarget(
            name: "BackupStreamTests",
            dependencies: ["BackupStream", "Compression", "CryptoPrimitives", "AgentSupport", "TestSupport", log],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ObjectStorageTests",
            dependencies: ["ObjectStorage", "HTTPTransport", "CryptoPrimitives", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "DB2Tests", dependencies: ["DB2", "TestSupport", "AgentSupport", log], swiftSettings: strictSettings),
        .testTarget(name: "DB2SimulatorTests", dependencies: ["DB2Simulator", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "GuestAgentTests",
            dependencies: [
                "GuestAgent", "DB2", "OsloRPC", "AMQP", "ObjectStorage", "BackupStream", "TroveConfig", "AgentSupport",
                "TestSupport", log,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport", "TroveConfig", "OsloRPC", "AMQP", "AgentSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
