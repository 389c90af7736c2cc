import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// An HTTP endpoint serving the Prometheus registry at `GET /metrics` (text exposition format)
/// and `GET /healthz`, as a swift-service-lifecycle `Service` that stops on graceful shutdown.
/// Failing to bind its port is logged once ("metrics endpoint disabled") and rethrown, so the
/// group can choose to ignore it.
public struct MetricsEndpoint: Service {
    private let registry: PrometheusCollectorRegistry
    private let host: String
    private let port: Int
    private let logger: Logger

    public init(registry: PrometheusCollectorRegistry, host: String = "127.0.0.1", port: Int, logger: Logger) {
        self.registry = registry
        self.host = host
        self.port = port
        self.logger = logger
    }

    public func run() async throws {
        let registry = self.registry
        let router = Router()
        router.get("/metrics") { _, _ -> Response in .prometheus(registry) }
        router.get("/healthz") { _, _ in "ok\n" }
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "sluice"),
            logger: logger)
        logger.info("metrics at http://\(host):\(port)/metrics")
        do {
            try await application.runService()
        } catch {
            logger.error(
                "metrics endpoint disabled: cannot serve on \(host):\(port) (\(error)); choose another --metrics-port")
            throw error
        }
    }
}

extension Response {
    /// The registry's metrics in the Prometheus text format.
    static func prometheus(_ registry: PrometheusCollectorRegistry) -> Response {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
