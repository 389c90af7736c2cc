import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SluiceDriftMonitor
import SluiceHTTP
import SluiceKafka
import SluiceRedis
import SluiceRegistry
import SluiceRuntime
import SluiceStreaming
import Synchronization
import UnixSignals

/// The composition root: builds the service groups that `sluice run` and `sluice serve` run
/// (the engine or the serving API, the metrics endpoint, signal handling), and the process-wide
/// metrics backend that only executables bootstrap.
public enum SluiceServices {
    /// Bootstraps swift-metrics with a Prometheus registry (once per process) and returns it.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        // Scores are probabilities: 20 buckets of 0.05.
        factory.valueHistogramBuckets[SluiceMetrics.scoreDistribution] = (1...20).map { Double($0) / 20 }
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Runs `engine` and, when `metricsPort` is set, the metrics endpoint, as one service group:
    /// SIGTERM/SIGINT stop the engine gracefully (finish the batch, commit), and the group ends
    /// when the engine ends (for example with `untilEnd`). A metrics port that cannot be bound is
    /// logged and does not stop the engine.
    public static func run(
        engine: StreamEngine, metricsPort: Int?, metricsHost: String = "127.0.0.1",
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        try await run(
            EngineService(engine: engine), metricsPort: metricsPort, metricsHost: metricsHost, registry: registry,
            logger: logger)
    }

    /// Runs the drift monitor and, when `metricsPort` is set, the metrics endpoint, as one service
    /// group that SIGTERM/SIGINT stop and that ends when the monitor ends.
    public static func run(
        driftMonitor: DriftMonitor, metricsPort: Int?, metricsHost: String = "127.0.0.1",
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        try await run(
            DriftMonitorService(monitor: driftMonitor), metricsPort: metricsPort, metricsHost: metricsHost,
            registry: registry, logger: logger)
    }

    /// Runs a drift monitor whose reference follows `reference` (see
    /// `FollowingDriftMonitorService`) and the metrics endpoint, as one service group.
    public static func run(
        driftMonitorFollowing reference: ModelReference, registry modelRegistry: Registry, interval: Duration,
        makeMonitor: @escaping @Sendable (ModelTrainingReference) async throws -> DriftMonitor, metricsPort: Int?,
        metricsHost: String = "127.0.0.1", registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        try await run(
            FollowingDriftMonitorService(
                reference: reference, registry: modelRegistry, interval: interval, makeMonitor: makeMonitor,
                logger: logger), metricsPort: metricsPort, metricsHost: metricsHost, registry: registry, logger: logger)
    }

    /// Runs continuous training (`sluice ct run`) and, when `metricsPort` is set, the metrics
    /// endpoint, as one service group that SIGTERM/SIGINT stop (a run stopped mid-step resumes on
    /// the next start) and that ends when the service ends; returns what it did.
    public static func run(
        continuousTraining service: ContinuousTrainingService, until stop: ContinuousTrainingService.Stop,
        metricsPort: Int?, metricsHost: String = "127.0.0.1", registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws -> ContinuousTrainingService.Summary {
        let runner = ContinuousTrainingRunner(service: service, stop: stop)
        try await run(runner, metricsPort: metricsPort, metricsHost: metricsHost, registry: registry, logger: logger)
        guard let summary = runner.summary.withLock({ $0 }) else { throw CancellationError() }
        return summary
    }

    /// Each version of `model` with its registered metrics, which concept-drift windows are
    /// compared with.
    public static func validationMetrics(_ model: String, in registry: Registry) async throws(RegistryError)
        -> [Int: [String: Double]]
    {
        Dictionary(
            uniqueKeysWithValues: try await registry.versions(model).map { ($0.version, $0.metrics) })
    }

    private static func run(
        _ main: some Service, metricsPort: Int?, metricsHost: String, registry: PrometheusCollectorRegistry,
        logger: Logger
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: main, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let metricsPort {
            services.append(
                .init(
                    service: MetricsEndpoint(registry: registry, host: metricsHost, port: metricsPort, logger: logger),
                    failureTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension SluiceServices {
    /// The model registry as `sluice serve` uses it: its routes, scoring by its deployments (kept
    /// current from the change feed at `feedClient`), and the feed's relay unless `relayFeed` is off.
    public struct ServedRegistry: Sendable {
        public var registry: Registry
        public var artifacts: ArtifactStore
        public var feedClient: KafkaClientConfiguration
        public var feedTopic: String
        public var relayFeed: Bool
        /// The predictions topic, or nil for no prediction log.
        public var predictionsTopic: String?
        public var predictionBuffer = 100_000

        public init(
            registry: Registry, artifacts: ArtifactStore, feedClient: KafkaClientConfiguration, feedTopic: String,
            relayFeed: Bool, predictionsTopic: String? = PredictionLog.defaultTopic
        ) {
            self.predictionsTopic = predictionsTopic
            self.registry = registry
            self.artifacts = artifacts
            self.feedClient = feedClient
            self.feedTopic = feedTopic
            self.relayFeed = relayFeed
        }
    }

    /// Runs the serving API until SIGTERM or SIGINT; with a registry, its routes, POST /v1/score
    /// and the services that keep deployments current and relay the change feed.
    public static func serve(
        backend: OnlineFeatureBackend, served: ServedRegistry? = nil, configuration: FeatureAPIConfiguration,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var scoring: ScoringHTTPBackend?
        var feed: RegistryFeedPublisher?
        if let served {
            let deployments = LiveDeployments(
                registry: served.registry, artifacts: served.artifacts, topology: backend.compiled,
                logger: Logger(label: "sluice.scoring"))
            let head = try await deployments.loadAll()
            let predictions = try served.predictionsTopic.map { topic in
                try PredictionLog(
                    client: served.feedClient, topic: topic, capacity: served.predictionBuffer,
                    logger: Logger(label: "sluice.predictions"))
            }
            if let predictions { services.append(.init(service: PredictionLogService(log: predictions))) }
            scoring = ScoringHTTPBackend(
                features: backend, deployments: deployments, registry: served.registry, predictions: predictions)
            let reader = RegistryFeedReader(
                client: served.feedClient, topic: served.feedTopic, logger: Logger(label: "sluice.registry.feed"))
            services.append(
                .init(
                    service: DeploymentFollower(
                        deployments: deployments, reader: reader, after: head, resync: .seconds(10),
                        logger: Logger(label: "sluice.scoring"))))
            if served.relayFeed {
                let publisher = try RegistryFeedPublisher(
                    registry: served.registry, client: served.feedClient, topic: served.feedTopic,
                    logger: Logger(label: "sluice.registry.feed"))
                services.append(.init(service: RegistryFeedService(publisher: publisher)))
                feed = publisher
            }
        }
        let api = FeatureAPI(
            backend: backend, models: served.map { RegistryHTTPBackend(registry: $0.registry) }, scoring: scoring,
            configuration: configuration, registry: registry, logger: logger)
        services.insert(.init(service: api), at: 0)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { backend.pool.shutdown() }
        try await group.run()
        await feed?.close()
        await served?.registry.database.close()
    }
}

/// `ContinuousTrainingService` as a service of a group: graceful shutdown cancels it.
private final class ContinuousTrainingRunner: Service, Sendable {
    let service: ContinuousTrainingService
    let stop: ContinuousTrainingService.Stop
    let summary = Mutex<ContinuousTrainingService.Summary?>(nil)

    init(service: ContinuousTrainingService, stop: ContinuousTrainingService.Stop) {
        self.service = service
        self.stop = stop
    }

    func run() async throws {
        let result = try await cancelWhenGracefulShutdown { try await self.service.run(until: self.stop) }
        summary.withLock { $0 = result }
    }
}
