import ArgumentParser
import Dispatch
import Foundation
import Logging
import Sluice
import SluiceOffline
import SluiceRuntime
import SluiceStreaming

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
    @Option(
        help:
            "Most messages per batch: one Redis write (one transaction with --offline-dir, which readers wait behind). (default: 100000; 20000 with --offline-dir)"
    )
    var batchSize: Int?
    @Option(
        help:
            "Threads applying a batch, one view of one partition at a time each (one view with --offline-dir). (default: the number of cores)"
    )
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Do not print progress lines.")
    var quiet = false
    @Option(help: "Port of the Prometheus metrics endpoint (GET /metrics); 0 disables it.")
    var metricsPort: Int = 9464
    @Option(help: "Address the metrics endpoint listens on (0.0.0.0 in a container).")
    var metricsHost = "127.0.0.1"
    @Option(
        help:
            "Write the offline feature log under this folder: one Parquet row per accepted event with every view's features just before it."
    )
    var offlineDir: String?
    @Option(help: "Roll a partition's feature-log files after this many rows.")
    var offlineRollRows: Int = 500_000
    @Option(help: "... or once they hold about this many megabytes.")
    var offlineRollMegabytes: Int = 256
    @Option(help: "... or once their oldest row is this many seconds old.")
    var offlineRollSeconds: Int = 60
    @Flag(
        help:
            "Replace the feature log table when the topology's columns no longer fit it (removed or retyped features); its older versions stay readable by time travel until a vacuum."
    )
    var newTable = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard offlineRollRows > 0, offlineRollSeconds > 0, offlineRollMegabytes > 0 else {
            throw ValidationError(
                "--offline-roll-rows, --offline-roll-megabytes and --offline-roll-seconds must be positive")
        }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        logging.bootstrap(default: .info)
        let registry = SluiceServices.bootstrapMetrics()
        let logger = Logger(label: "sluice.run")
        var configuration = EngineConfiguration(connection: connection.settings)
        configuration.groupID = group
        configuration.untilEnd = untilEnd
        configuration.maxBatchMessages = batchSize
        configuration.threads = threads
        configuration.progressInterval = quiet ? nil : .seconds(2)
        if let offlineDir {
            var log = FeatureLogOptions(directory: offlineDir)
            log.rollRows = offlineRollRows
            log.rollInterval = .seconds(offlineRollSeconds)
            log.rollBytes = offlineRollMegabytes << 20
            log.replaceIncompatibleTable = newTable
            configuration.offlineLog = log
        }
        let engine = StreamEngine(compiled: try topology.load(), configuration: configuration, logger: logger)
        do {
            try await SluiceServices.run(
                engine: engine, metricsPort: metricsPort == 0 ? nil : metricsPort, metricsHost: metricsHost,
                registry: registry, logger: logger)
        } catch {
            logger.error("sluice run failed: \(error)")
            throw ExitCode(1)
        }
    }
}
