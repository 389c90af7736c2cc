// swift-tools-version: 6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The per-event code (windows, tiles, the Parquet encoder) is optimized in debug builds too:
/// the integration tests push hundreds of thousands of events through it, which unoptimized
/// code makes ten times slower.
let hotPathSettings: [SwiftSetting] = strictSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["SluiceCLI"]),
        .executable(name: "sluice-bench", targets: ["SluiceBench"]),
        .library(name: "SluiceKafka", targets: ["SluiceKafka"]),
        .library(name: "SluiceRedis", targets: ["SluiceRedis"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceParquet", targets: ["SluiceParquet"]),
        .library(name: "Sluice", targets: ["Sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
    ],
    targets: [
        // MARK: - C libraries (each imported by exactly one Swift module)
        .systemLibrary(
            name: "CRDKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CSnappy",
            pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"])]
        ),

        // MARK: - Pure core (no I/O, no C)
        .target(
            name: "SluiceCore",
            swiftSettings: hotPathSettings
        ),

        // MARK: - Adapters
        .target(
            name: "SluiceTopology",
            dependencies: ["SluiceCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceKafka",
            dependencies: ["CRDKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceRedis",
            dependencies: [
                "CHiredis", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        .target(
            name: "SluiceParquet",
            dependencies: ["CZstd", "CSnappy"],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "SluiceHTTP",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Wiring and CLI
        .target(
            name: "Sluice",
            dependencies: [
                "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis", "SluiceHTTP", "SluiceParquet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: hotPathSettings
        ),
        .executableTarget(
            name: "SluiceCLI",
            dependencies: [
                "Sluice", "SluiceCore", "SluiceTopology", "SluiceRedis", "SluiceHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Benchmarks (helpers the scripts/bench-* scripts drive)
        .executableTarget(
            name: "SluiceBench",
            dependencies: [
                "Sluice", "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Tests
        .target(
            name: "SluiceTesting",
            dependencies: ["Sluice", "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceCoreTests",
            dependencies: ["SluiceCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceTopologyTests",
            dependencies: ["SluiceTopology"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceKafkaTests",
            dependencies: ["SluiceKafka", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceRedisTests",
            dependencies: [
                "SluiceRedis", "SluiceTesting",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceParquetTests",
            dependencies: ["SluiceParquet", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceTests",
            dependencies: [
                "Sluice", "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis", "SluiceParquet", "SluiceHTTP", "SluiceTesting",
            ],
            exclude: ["schemathesis.toml"],
            swiftSettings: strictSettings
        ),
    ]
)
