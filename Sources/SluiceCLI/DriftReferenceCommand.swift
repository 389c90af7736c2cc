import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceOffline
import SluiceRuntime

struct DriftReferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Write the source topic's events of an event-time range as a reference Parquet file.",
        discussion: """
            One row per valid event with event time in [--from, --to), one column per field of the \
            topology's source, in the field's type: the reference of the raw fields `sluice drift run` \
            monitors (for example the payments of a model's training period). Messages the schema \
            rejects are left out and counted.
            """)

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "First event time included (epoch ms or ISO-8601).")
    var from: String
    @Option(help: "Event time the range ends before (epoch ms or ISO-8601).")
    var to: String
    @Option(help: "The Parquet file to write.")
    var out: String
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap(default: .warning)
        let (start, end) = (try TimeArgument.parse(from), try TimeArgument.parse(to))
        guard start < end else { throw ValidationError("--from must be before --to") }
        let compiled = try topology.load()
        do {
            let summary = try await SourceFieldSnapshot.write(
                topology: compiled.topology, client: connection.settings.kafkaClient, from: start, to: end, out: out,
                logger: Logger(label: "sluice.drift"))
            print(
                "wrote \(out): \(summary.rows) events from \(TimeArgument.iso8601(start)) to \(TimeArgument.iso8601(end)) "
                    + "(\(summary.messages) messages read, \(summary.outside) outside the range, \(summary.rejected) rejected by the schema)"
            )
        } catch let error as OfflineError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
