import ArgumentParser
import Foundation
import Logging
import SluiceOffline
import SluiceRuntime

struct OutcomesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outcomes",
        abstract:
            "Join the prediction log with delayed fraud labels, as known at an as-of time, into one Parquet file.",
        discussion: """
            The rules of `sluice training-set`: a label counts only if its time is at or before --as-of and at most \
            --label-delay-max after the payment's event time; the newest such label wins. A prediction without one \
            is 'pending' while its label may still come, and once the delay has passed it counts as legitimate \
            (label 0, status 'legitimate'): chargebacks label fraud, and most legitimate payments are never labelled. \
            Predictions made after --as-of are left out. Columns and semantics: docs/scoring.md.
            """)

    @OptionGroup var source: OutcomesOptions
    @Option(help: "Output Parquet file.")
    var out: String
    @Option(help: "Only this model's predictions. (default: all)")
    var model: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap(default: .warning)
        let logger = Logger(label: "sluice.outcomes")
        let join = try source.join()
        do {
            let outcomes = try await source.outcomes(model: model, join: join, logger: logger)
            try OutcomeTable.write(outcomes, join: join, to: out)
            var counts: [Outcome.Status: Int] = [:]
            for outcome in outcomes { counts[outcome.status, default: 0] += 1 }
            let fraud = outcomes.count { $0.status == .labeled && $0.isFraud }
            print(
                "wrote \(out): \(outcomes.count) predictions (\(outcomes.count(where: \.prediction.served)) served); "
                    + "\(counts[.labeled] ?? 0) labeled (\(fraud) fraud), \(counts[.legitimate] ?? 0) legitimate past "
                    + "the label delay, \(counts[.pending] ?? 0) pending; as of \(TimeArgument.iso8601(join.asOf))")
        } catch {
            logger.error("sluice outcomes failed: \(error)")
            throw ExitCode(1)
        }
    }
}
