import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceHTTP
import SluiceRedis
import SluiceRegistry
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
            or --tokens-file, one per line). The model registry is served too: GET /v1/models, /v1/models/{name}, \
            .../versions/{version}, .../aliases/{alias}?at=TIME, .../history and /v1/features; alias moves and \
            approvals (POST) need an admin token (SLUICE_ADMIN_TOKENS or --admin-tokens-file), a set apart from the \
            lookup tokens. The registry's change feed is published from here (--no-feed-relay to leave it to another \
            process). SIGTERM stops accepting requests and finishes those in flight.
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
    @Option(help: "File with admin tokens (registry changes over HTTP), one per line.")
    var adminTokensFile: String?
    @OptionGroup var registryStore: RegistryStoreOptions
    @Flag(help: "Serve features only: no /v1/models routes and no change-feed relay.")
    var noRegistry = false
    @Flag(help: "Do not publish the registry's change feed from this process.")
    var noFeedRelay = false
    @Option(help: "Topic of the prediction log. (env: SLUICE_PREDICTIONS_TOPIC; default: sluice.predictions)")
    var predictionsTopic: String?
    @Flag(help: "Keep no prediction log.")
    var noPredictionLog = false
    @Option(help: "Prediction records buffered while the broker is slow or away, before they are dropped.")
    var predictionBuffer = 100_000
    @Option(help: "Most entities in one batch request.")
    var maxBatch: Int = 1000
    @Option(help: "Largest request body in bytes.")
    var maxBodyBytes: Int = 1 << 20
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard redisTimeoutMs > 0, maxBatch > 0, maxBodyBytes > 0, predictionBuffer > 0 else {
            throw ValidationError("--redis-timeout-ms, --max-batch and --max-body-bytes must be positive")
        }
    }

    func run() async throws {
        logging.bootstrap(default: .info)
        FeatureAPI.runConcurrencyOnEventLoops()
        let registry = SluiceServices.bootstrapMetrics()
        let logger = Logger(label: "sluice.serve")
        let tokens = try Self.tokens(variable: "SLUICE_API_TOKENS", file: tokensFile, option: "--tokens-file")
        let adminTokens = try Self.tokens(
            variable: "SLUICE_ADMIN_TOKENS", file: adminTokensFile, option: "--admin-tokens-file")
        if !Set(tokens).isDisjoint(with: adminTokens) {
            throw ValidationError("a token is both a lookup token and an admin token; keep the two sets apart")
        }
        let redis = OnlineFeatureBackend.servingConfiguration(
            try RedisConfiguration(url: connection.settings.redisURL), timeout: .milliseconds(redisTimeoutMs))
        let pool = RedisClients.eventLoop(redis, logger: logger)
        let backend = OnlineFeatureBackend(compiled: try topology.load(), pool: pool, maxBatch: maxBatch)
        var configuration = FeatureAPIConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.tokens = tokens
        configuration.adminTokens = adminTokens
        configuration.maxBodyBytes = maxBodyBytes
        configuration.openAPIDocument = try OpenAPIDocument.json(
            entityLengthLimit: backend.entityLengthLimit, inputs: backend.inputFields,
            eventFields: backend.compiled.topology.source.fields, registry: !noRegistry)
        if tokens.isEmpty {
            logger.notice("no API tokens configured: /v1 endpoints are open (set SLUICE_API_TOKENS or --tokens-file)")
        }
        var served: SluiceServices.ServedRegistry?
        if !noRegistry {
            do {
                served = SluiceServices.ServedRegistry(
                    registry: try await registryStore.location.open(logger: logger),
                    artifacts: registryStore.artifactStore, feedClient: connection.settings.kafkaClient,
                    feedTopic: registryStore.topic, relayFeed: !noFeedRelay,
                    predictionsTopic: noPredictionLog
                        ? nil
                        : predictionsTopic ?? ProcessInfo.processInfo.environment["SLUICE_PREDICTIONS_TOPIC"]
                            ?? PredictionLog.defaultTopic)
                served?.predictionBuffer = predictionBuffer
            } catch {
                logger.error("cannot open the registry at \(registryStore.location): \(error.message)")
                throw ExitCode(1)
            }
        }
        do {
            try await SluiceServices.serve(
                backend: backend, served: served, configuration: configuration, registry: registry, logger: logger)
        } catch {
            logger.error("sluice serve failed: \(error)")
            throw ExitCode(1)
        }
    }

    /// Tokens from a comma-separated environment variable and a file of one per line.
    static func tokens(variable: String, file: String?, option: String) throws -> [String] {
        var tokens = (ProcessInfo.processInfo.environment[variable] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ValidationError("cannot read \(option) \(file)")
            }
            tokens += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return tokens.filter { !$0.isEmpty }
    }
}
