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
        .executable(name: "sluice-kafka-mock", targets: ["SluiceKafkaMock"]),
        .library(name: "SluiceKafka", targets: ["SluiceKafka"]),
        .library(name: "SluiceRedis", targets: ["SluiceRedis"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceParquet", targets: ["SluiceParquet"]),
        .library(name: "SluiceOnlineStore", targets: ["SluiceOnlineStore"]),
        .library(name: "SluiceOffline", targets: ["SluiceOffline"]),
        .library(name: "SluiceStreaming", targets: ["SluiceStreaming"]),
        .library(name: "SluiceHTTP", targets: ["SluiceHTTP"]),
        .library(name: "SluiceModel", targets: ["SluiceModel"]),
        .library(name: "SluiceDrift", targets: ["SluiceDrift"]),
        .library(name: "SluiceDriftMonitor", targets: ["SluiceDriftMonitor"]),
        .library(name: "SluiceDelta", targets: ["SluiceDelta"]),
        .library(name: "SluiceTraining", targets: ["SluiceTraining"]),
        .library(name: "SluiceRegistry", targets: ["SluiceRegistry"]),
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
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
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

        // MARK: - Adapters (each owns one library's C or I/O)
        .target(
            name: "SluiceTopology",
            dependencies: ["SluiceCore", "SluiceDrift", "SluiceTraining", .product(name: "Yams", package: "Yams")],
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

        // MARK: - Models
        // Model artifacts parsed and checked (XGBoost JSON); pure, no I/O.
        .target(
            name: "SluiceModel",
            dependencies: ["SluiceCore"],
            swiftSettings: hotPathSettings
        ),

        // MARK: - Drift
        // Drift statistics (KS, chi-square, Wasserstein, PSI, KL, Jensen-Shannon) and decisions, and
        // concept drift on matured outcomes (model quality, calibration, P(Y|X), DDM); pure.
        .target(
            name: "SluiceDrift",
            dependencies: ["SluiceModel"],
            swiftSettings: hotPathSettings
        ),

        // MARK: - Delta
        // The Delta Lake transaction log: actions, schema, file statistics, snapshot replay; pure.
        .target(
            name: "SluiceDelta",
            swiftSettings: hotPathSettings
        ),

        // Continuous training's decisions (policies, triggers, the evaluation gate): pure.
        .target(
            name: "SluiceTraining",
            dependencies: ["SluiceModel", "SluiceDrift"],
            swiftSettings: strictSettings
        ),

        // MARK: - Registry
        // Models, versions, aliases, approvals and topology versions as an append-only event log,
        // written once as SQL plans that a `RegistryDatabase` runs; the artifact store.
        .target(
            name: "SluiceRegistry",
            dependencies: [
                "SluiceCore", "SluiceModel", "SluiceTraining", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // The registry on SQLite (GRDB): the embedded default.
        .target(
            name: "SluiceRegistrySQLite",
            dependencies: ["SluiceCore", "SluiceRegistry", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // The registry on PostgreSQL (postgres-nio): shared across machines.
        .target(
            name: "SluiceRegistryPostgres",
            dependencies: [
                "SluiceCore", "SluiceRegistry", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Feature store
        // Threads, progress lines, connection settings and metric names that long-running jobs share.
        .target(
            name: "SluiceRuntime",
            dependencies: [
                "SluiceKafka", "SluiceRedis",
            ],
            swiftSettings: strictSettings
        ),
        // The Redis layout of the online store: keys, fields, tile encoding, writes and reads.
        .target(
            name: "SluiceOnlineStore",
            dependencies: ["SluiceCore", "SluiceRedis"],
            swiftSettings: hotPathSettings
        ),
        // The feature log (Parquet), replay, the skew check and training sets.
        .target(
            name: "SluiceOffline",
            dependencies: [
                "SluiceCore", "SluiceKafka", "SluiceParquet", "SluiceRuntime", "SluiceModel", "SluiceDrift",
                "SluiceDelta", "SluiceTraining",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: hotPathSettings
        ),
        // The live drift monitor behind `sluice drift run`: windows of the source and prediction
        // topics compared with a reference, merged across processes, published to the drift topic.
        .target(
            name: "SluiceDriftMonitor",
            dependencies: [
                "SluiceCore", "SluiceDrift", "SluiceKafka", "SluiceOffline", "SluiceRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: hotPathSettings
        ),
        // The streaming engine behind `sluice run`.
        .target(
            name: "SluiceStreaming",
            dependencies: [
                "SluiceCore", "SluiceKafka", "SluiceRedis", "SluiceOnlineStore", "SluiceOffline", "SluiceRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: hotPathSettings
        ),
        // The serving API (Hummingbird), its fast paths and its OpenAPI document.
        .target(
            name: "SluiceHTTP",
            dependencies: [
                "SluiceCore", "SluiceRedis", "SluiceOnlineStore", "SluiceRuntime",
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
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),
        // Demo traffic: a generator of card payments with fraud patterns, and its producer.
        .target(
            name: "SluiceDemo",
            dependencies: [
                "SluiceCore", "SluiceKafka", "SluiceRuntime", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Composition root and CLI
        .target(
            name: "Sluice",
            dependencies: [
                "SluiceCore", "SluiceKafka", "SluiceRedis", "SluiceRuntime", "SluiceStreaming", "SluiceHTTP",
                "SluiceModel", "SluiceOffline", "SluiceDriftMonitor", "SluiceRegistry", "SluiceRegistrySQLite",
                "SluiceRegistryPostgres",
                "SluiceOnlineStore", "SluiceTraining",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SluiceCLI",
            dependencies: [
                "Sluice", "SluiceCore", "SluiceTopology", "SluiceRedis", "SluiceHTTP", "SluiceRuntime",
                "SluiceOnlineStore",
                "SluiceOffline", "SluiceStreaming", "SluiceDemo", "SluiceRegistry", "SluiceModel", "SluiceDrift",
                "SluiceDriftMonitor", "SluiceDelta", "SluiceTraining", "SluiceKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Test tools
        // librdkafka's mock cluster in a process of its own, for the broker-outage tests.
        .executableTarget(
            name: "SluiceKafkaMock",
            dependencies: ["SluiceKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),

        // MARK: - Benchmarks (helpers the scripts/bench-* scripts drive)
        .executableTarget(
            name: "SluiceBench",
            dependencies: [
                "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis", "SluiceRuntime", "SluiceOnlineStore",
                "SluiceOffline", "SluiceStreaming", "SluiceDemo", "SluiceHTTP", "Sluice", "SluiceRegistry",
                "SluiceModel", "SluiceDelta",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Testing libraries (fixtures shared by test targets, each depending only on what it fakes)
        .target(
            name: "SluiceTesting",
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceCoreTesting",
            dependencies: ["SluiceCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceKafkaTesting",
            dependencies: ["SluiceKafka", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceRedisTesting",
            dependencies: ["SluiceRedis", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SluiceStreamingTesting",
            dependencies: [
                "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis", "SluiceRuntime", "SluiceOnlineStore",
                "SluiceOffline",
                "SluiceStreaming", "SluiceDemo", "SluiceTesting", "SluiceKafkaTesting", "SluiceRedisTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: - Tests: `<Module>Tests` need no services (`scripts/test --unit`); `<Module>IntegrationTests`
        // talk to the local broker and Redis, and those that run `sluice` depend on the executable.
        .testTarget(
            name: "SluiceCoreTests",
            dependencies: ["SluiceCore", "SluiceCoreTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceTopologyTests",
            dependencies: ["SluiceCore", "SluiceDrift", "SluiceTopology", "SluiceTraining", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceTrainingTests",
            dependencies: ["SluiceTraining", "SluiceModel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceRedisTests",
            dependencies: ["SluiceRedis"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceParquetTests",
            dependencies: ["SluiceCore", "SluiceParquet", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceOnlineStoreTests",
            dependencies: ["SluiceCore", "SluiceCoreTesting", "SluiceOnlineStore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceModelTests",
            dependencies: ["SluiceCore", "SluiceModel", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceDriftTests",
            dependencies: ["SluiceCore", "SluiceDemo", "SluiceDrift", "SluiceOffline", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceDemoTests",
            dependencies: ["SluiceCore", "SluiceDemo"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceStreamingTests",
            dependencies: [
                "SluiceCore", "SluiceCoreTesting", "SluiceOffline", "SluiceOnlineStore", "SluiceRedis", "SluiceRuntime",
                "SluiceStreaming", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceHTTPTests",
            dependencies: ["SluiceHTTP"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceRegistryIntegrationTests",
            dependencies: [
                "SluiceCore", "SluiceRegistry", "SluiceRegistrySQLite", "SluiceRegistryPostgres", "SluiceTesting",
                "SluiceTopology", "SluiceCLI", "SluiceBench", "Sluice", "SluiceKafka", "SluiceModel", "SluiceOffline",
                "SluiceKafkaTesting", "SluiceTraining", "SluiceDrift", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceDriftMonitorIntegrationTests",
            dependencies: [
                "SluiceCore", "SluiceDrift", "SluiceDriftMonitor", "SluiceKafka", "SluiceOffline", "SluiceParquet",
                "SluiceTopology", "SluiceCLI", "SluiceTesting", "SluiceKafkaTesting",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceKafkaIntegrationTests",
            dependencies: ["SluiceKafka", "SluiceTesting", "SluiceKafkaTesting", "SluiceKafkaMock"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceRedisIntegrationTests",
            dependencies: [
                "SluiceRedis", "SluiceTesting", "SluiceRedisTesting",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceStreamingIntegrationTests",
            dependencies: [
                "SluiceCore", "SluiceTopology", "SluiceKafka", "SluiceRedis", "SluiceRuntime", "SluiceOnlineStore",
                "SluiceOffline", "SluiceStreaming", "SluiceDemo", "SluiceCLI",
                "SluiceTesting", "SluiceKafkaTesting", "SluiceRedisTesting", "SluiceStreamingTesting",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceOfflineIntegrationTests",
            dependencies: [
                "SluiceCore", "SluiceKafka", "SluiceParquet", "SluiceRuntime", "SluiceOffline", "SluiceStreaming",
                "SluiceDelta", "SluiceTopology", "SluiceModel", "SluiceTraining",
                "SluiceDemo", "SluiceCLI", "SluiceTesting", "SluiceKafkaTesting", "SluiceStreamingTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceHTTPIntegrationTests",
            dependencies: [
                "SluiceCore", "SluiceKafka", "SluiceRedis", "SluiceRuntime", "SluiceOnlineStore", "SluiceHTTP",
                "SluiceCLI",
                "SluiceTesting", "SluiceKafkaTesting", "SluiceRedisTesting", "SluiceStreamingTesting",
            ],
            exclude: ["schemathesis.toml"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SluiceIntegrationTests",
            dependencies: ["Sluice", "SluiceRuntime", "SluiceCLI", "SluiceTesting"],
            swiftSettings: strictSettings
        ),
    ]
)
