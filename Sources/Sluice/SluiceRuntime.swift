import Foundation
import Logging
import SluiceCore
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import SluiceHTTP
import SluiceRedis

/// Process-wide set-up that only executables do: metrics backend bootstrap.
public enum SluiceRuntime {
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
            .init(service: EngineService(engine: engine), successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let metricsPort {
            services.append(
                .init(service: MetricsEndpoint(registry: registry, port: metricsPort, logger: logger), failureTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension SluiceRuntime {
    /// The OpenAPI 3.1 document of the serving API (Sources/Sluice/Resources/openapi.json), with
    /// the entity id length limit of the served topology filled in.
    public static func openAPIDocument(entityLengthLimit: Int, inputs: [FieldSpec] = []) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url),
            var document = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw EngineError("the OpenAPI document is missing from the sluice resources")
        }
        let idSchema: [String: Any] = [
            "type": "string", "minLength": 1, "maxLength": entityLengthLimit, "pattern": "^[^\\u0000-\\u001F\\u007F]+$",
            "examples": ["card-1", "card-42"],
        ]
        if var paths = document["paths"] as? [String: Any], var path = paths["/v1/features/{view}/{entityId}"] as? [String: Any],
            var get = path["get"] as? [String: Any], var parameters = get["parameters"] as? [[String: Any]]
        {
            for index in parameters.indices where parameters[index]["name"] as? String == "entityId" { parameters[index]["schema"] = idSchema }
            // The request inputs of the topology's on-demand features, as query parameters.
            for field in inputs {
                let schema: [String: Any] =
                    switch field.type {
                    case .string: ["type": "string", "maxLength": 256]
                    case .bool: ["type": "boolean"]
                    default: ["type": "number", "minimum": -1e300, "maximum": 1e300]
                    }
                parameters.append([
                    "name": field.name, "in": "query", "required": false, "schema": schema,
                    "description": "Request input of the on-demand features that read '\(field.name)'.",
                ])
            }
            get["parameters"] = parameters
            path["get"] = get
            paths["/v1/features/{view}/{entityId}"] = path
            document["paths"] = paths
        }
        return [UInt8](try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
    }

    /// Runs the serving API until SIGTERM/SIGINT, then lets requests in flight finish and closes
    /// the Redis pool.
    public static func serve(
        backend: FeatureServing, configuration: FeatureAPIConfiguration, registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        let api = FeatureAPI(backend: backend, configuration: configuration, registry: registry, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: api)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { backend.pool.shutdown() }
        try await group.run()
    }
}

/// The engine as a service: its blocking loop runs on a dedicated thread; graceful shutdown asks
/// it to finish the current batch.
struct EngineService: Service {
    let engine: StreamEngine

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await engine.runOnDedicatedThread()
        } onGracefulShutdown: {
            engine.stop()
        }
    }
}

