import ArgumentParser
import Dispatch
import Foundation
import Logging
import Sluice

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume the topology's topic, compute windowed features and keep them in Redis (exactly-once).",
        discussion: "SIGTERM or SIGINT: finish the current batch, commit, exit 0.")

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Consumer group; processes in one group share the partitions. (default: sluice-<topology>)")
    var group: String?
    @Flag(help: "Exit 0 once every assigned partition reached its end and all state is written.")
    var untilEnd = false
    @Option(help: "Most messages per batch (one Redis transaction).")
    var batchSize: Int = 20_000
    @Flag(help: "Do not print progress lines.")
    var quiet = false
    @Option(help: "Port of the Prometheus metrics endpoint on 127.0.0.1 (GET /metrics); 0 disables it.")
    var metricsPort: Int = 9464
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap(default: .info)
        let registry = SluiceRuntime.bootstrapMetrics()
        let logger = Logger(label: "sluice.run")
        var configuration = EngineConfiguration(connection: connection.settings)
        configuration.groupID = group
        configuration.untilEnd = untilEnd
        configuration.maxBatchMessages = batchSize
        configuration.progressInterval = quiet ? nil : .seconds(2)
        let engine = StreamEngine(compiled: try topology.load(), configuration: configuration, logger: logger)
        do {
            try await SluiceRuntime.run(
                engine: engine, metricsPort: metricsPort == 0 ? nil : metricsPort, registry: registry, logger: logger)
        } catch {
            logger.error("sluice run failed: \(error)")
            throw ExitCode(1)
        }
    }
}
