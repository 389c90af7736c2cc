import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceOffline
import SluiceRuntime

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract:
            "Rebuild the offline feature log from the topic, through the same code as `sluice run`, without touching Redis.",
        discussion: """
            Rows are written under OUT/<topology>/date=YYYY-MM-DD/ as Parquet, one row per accepted event with every \
            view's features just before it. Partitions are merged in (Kafka timestamp, partition, offset) order, so two \
            replays of one range give identical rows. With --from TIME, the state is first warmed up from the events of \
            the preceding longest window (no rows for them). Times compare with the Kafka message timestamps.
            """)

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(
        help: "Where rows start: 'beginning', an offset (every partition), or an ISO-8601 time (2026-11-27T10:00:00Z).")
    var from: String = "beginning"
    @Option(help: "Where rows stop: 'end' (each partition's end when reached) or an ISO-8601 time (exclusive).")
    var to: String = "end"
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Rows per Parquet file and partition.")
    var rollRows: Int = 500_000
    @Option(help: "Threads computing the topology's views side by side (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Do not print progress.")
    var quiet = false
    @Flag(
        help:
            "Replace the feature log table when the topology's columns no longer fit it (removed or retyped features); its older versions stay readable by time travel until a vacuum."
    )
    var newTable = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard rollRows > 0 else { throw ValidationError("--roll-rows must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        _ = try parseStart()
        _ = try parseEnd()
    }

    func parseStart() throws -> ReplayConfiguration.Start {
        if from == "beginning" { return .beginning }
        if let offset = Int64(from) {
            guard offset >= 0 else { throw ValidationError("--from offset must be 0 or more") }
            return .offset(offset)
        }
        guard let time = TimeText.parseISO(from) else {
            throw ValidationError(
                "--from '\(from)' is not 'beginning', an offset, or an ISO-8601 time such as 2026-11-27T10:00:00Z")
        }
        return .time(time)
    }

    func parseEnd() throws -> ReplayConfiguration.End {
        if to == "end" { return .end }
        guard let time = TimeText.parseISO(to) else {
            throw ValidationError("--to '\(to)' is not 'end' or an ISO-8601 time such as 2026-11-27T10:00:00Z")
        }
        return .time(time)
    }

    func run() async throws {
        logging.bootstrap(default: .warning)
        let logger = Logger(label: "sluice.replay")
        var output = FeatureLogOptions(directory: out)
        output.rollRows = rollRows
        output.replaceIncompatibleTable = newTable
        var configuration = ReplayConfiguration(connection: connection.settings, output: output)
        configuration.start = try parseStart()
        configuration.end = try parseEnd()
        configuration.threads = threads
        configuration.progressInterval = quiet ? nil : .seconds(1)
        do {
            _ = try await Replay(compiled: try topology.load(), configuration: configuration, logger: logger).run()
        } catch {
            logger.error("sluice replay failed: \(error)")
            throw ExitCode(1)
        }
    }
}
