import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceOffline
import SluiceRegistry
import SluiceRuntime

struct TrainingSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training-set",
        abstract: "Join feature-log rows with their fraud labels, as known at an as-of time, into one Parquet file.",
        discussion: """
            Every row of the log is kept. A label counts only if its time (the label's ts) is at or before --as-of and \
            at most --label-delay-max after the event; the newest such label wins. Rows without one are 'unlabeled' \
            while a label may still come (the event is younger than --label-delay-max at --as-of), else 'expired'. \
            Columns added: label (int), label_time, label_status (labeled | unlabeled | expired). The feature log \
            table's newest snapshot is read, or the one --table-version or --table-as-of names; the file's metadata \
            records which (sluice.table.path, .id, .version), so the set can be rebuilt row for row. See docs/offline.md.
            """)

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Feature log folder (`sluice run --offline-dir` or `sluice replay --out`).")
    var features: String
    @Option(help: "Topic with the labels {\"txn_id\", \"label\", \"ts\"}.")
    var labelsTopic: String = "labels"
    @Option(help: "Output Parquet file.")
    var out: String
    @Option(help: "Longest delay from an event to its label that still counts, e.g. 30d, 12h.")
    var labelDelayMax: String = "30d"
    @Option(help: "Only labels known at this time count: epoch ms or ISO-8601. (default: now)")
    var asOf: String?
    @OptionGroup var table: TableSnapshotOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap(default: .warning)
        let logger = Logger(label: "sluice.training-set")
        guard let delay = DurationText.milliseconds(labelDelayMax), delay >= 0 else {
            throw ValidationError("--label-delay-max '\(labelDelayMax)' is not a duration such as 30d, 12h or 90m")
        }
        let loaded = try topology.load().topology
        var configuration = TrainingSetConfiguration(
            featuresDirectory: features, topologyName: loaded.name, output: out,
            asOf: try asOf.map(TimeArgument.parse) ?? TimeArgument.now())
        configuration.topologyHash = Registry.document(of: loaded).contentHash
        configuration.labelDelayMax = delay
        configuration.snapshot = try table.snapshot()
        do {
            let labels = try await LabelBook.read(
                topic: labelsTopic, client: connection.settings.kafkaClient, logger: logger)
            let summary = try TrainingSetBuilder.build(configuration, labels: labels)
            print(
                "wrote \(out): \(summary.rows) rows; \(summary.labeled) labeled (\(summary.positives) fraud), "
                    + "\(summary.unlabeled) unlabeled, \(summary.expired) expired; labels as of \(TimeArgument.iso8601(configuration.asOf)) "
                    + "from \(labels.messages) messages (\(labels.invalid) invalid)"
                    + (summary.tableVersion.map { "; feature log table version \($0)" } ?? ""))
        } catch {
            logger.error("sluice training-set failed: \(error)")
            throw ExitCode(1)
        }
    }
}
