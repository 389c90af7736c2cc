import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SluiceHTTP
import SluiceRedis
import SluiceRegistry
import SluiceStreaming
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
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Runs `engine` and, when `metricsPort` is set, the metrics endpoint, as one service group:
    /// SIGTERM/SIGINT stop the engine gracefully (finish the batch, commit), and the group ends
    /// when the engine ends (for example with `untilEnd`). A metrics port that cannot be bound is
    /// logged and does not stop the engine.
    public static func run(
        engine: StreamEngine, metricsPort: Int?, registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: EngineService(engine: engine), successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let metricsPort {
            services.append(
                .init(
                    service: MetricsEndpoint(registry: registry, port: metricsPort, logger: logger),
                    failureTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension SluiceServices {
    /// Runs the serving API until SIGTERM/SIGINT, then lets requests in flight finish and closes
    /// the Redis pool.
    /// Runs the serving API until SIGTERM or SIGINT; with a model registry, its routes too, and
    /// with a feed publisher, the relay of the registry's change feed beside it.
    public static func serve(
        backend: OnlineFeatureBackend, models: Registry? = nil, feed: RegistryFeedPublisher? = nil,
        configuration: FeatureAPIConfiguration, registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        let api = FeatureAPI(
            backend: backend, models: models.map(RegistryHTTPBackend.init(registry:)), configuration: configuration,
            registry: registry, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: api)]
        if let feed { services.append(.init(service: RegistryFeedService(publisher: feed))) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { backend.pool.shutdown() }
        try await group.run()
        await feed?.close()
        await models?.database.close()
    }
}
