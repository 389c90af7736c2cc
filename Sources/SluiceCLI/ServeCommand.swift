import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceHTTP
import SluiceRedis
import SluiceRuntime

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve features over HTTP/JSON: GET /v1/features/{view}/{entityId}, POST /v1/features, GET /v1/views.",
        discussion: """
            Features are computed at request time from the online store, in one Redis round trip per request. \
            /healthz, /readyz (Redis answers), /metrics (Prometheus) and /openapi.json (OpenAPI 3.1) are open; the /v1 \
            endpoints require 'Authorization: Bearer <token>' when tokens are given (SLUICE_API_TOKENS, comma-separated, \
            or --tokens-file, one per line). SIGTERM stops accepting requests and finishes those in flight.
            """)

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.")
    var port: Int = 8080
    @Option(help: "Milliseconds Redis may take before a request gets 503.")
    var redisTimeoutMs: Int = 250
    @Option(help: "File with accepted API tokens, one per line.")
    var tokensFile: String?
    @Option(help: "Most entities in one batch request.")
    var maxBatch: Int = 1000
    @Option(help: "Largest request body in bytes.")
    var maxBodyBytes: Int = 1 << 20
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard redisTimeoutMs > 0, maxBatch > 0, maxBodyBytes > 0 else {
            throw ValidationError("--redis-timeout-ms, --max-batch and --max-body-bytes must be positive")
        }
    }

    func run() async throws {
        logging.bootstrap(default: .info)
        FeatureAPI.runConcurrencyOnEventLoops()
        let registry = SluiceServices.bootstrapMetrics()
        let logger = Logger(label: "sluice.serve")
        var tokens = (ProcessInfo.processInfo.environment["SLUICE_API_TOKENS"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if let tokensFile {
            guard let text = try? String(contentsOfFile: tokensFile, encoding: .utf8) else {
                throw ValidationError("cannot read --tokens-file \(tokensFile)")
            }
            tokens += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        tokens = tokens.filter { !$0.isEmpty }
        let redis = OnlineFeatureBackend.servingConfiguration(
            try RedisConfiguration(url: connection.settings.redisURL), timeout: .milliseconds(redisTimeoutMs))
        let pool = RedisEventLoopPool(configuration: redis, logger: logger)
        let backend = OnlineFeatureBackend(compiled: try topology.load(), pool: pool, maxBatch: maxBatch)
        var configuration = FeatureAPIConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.tokens = tokens
        configuration.maxBodyBytes = maxBodyBytes
        configuration.openAPIDocument = try OpenAPIDocument.json(
            entityLengthLimit: backend.entityLengthLimit, inputs: backend.inputFields)
        if tokens.isEmpty {
            logger.notice("no API tokens configured: /v1 endpoints are open (set SLUICE_API_TOKENS or --tokens-file)")
        }
        do {
            try await SluiceServices.serve(
                backend: backend, configuration: configuration, registry: registry, logger: logger)
        } catch {
            logger.error("sluice serve failed: \(error)")
            throw ExitCode(1)
        }
    }
}
