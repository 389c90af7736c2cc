import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceOffline
import SluiceRuntime

/// Where predictions and labels are, and the as-of rules of the join (`sluice outcomes` and
/// `sluice experiment report`).
struct OutcomesOptions: ParsableArguments {
    @Option(help: "The prediction log topic `sluice serve` writes.")
    var predictionsTopic: String = PredictionLog.defaultTopic
    @Option(help: "Topic with the labels {\"txn_id\", \"label\", \"ts\"}.")
    var labelsTopic: String = "labels"
    @Option(help: "Only predictions made and labels known at this time count: epoch ms or ISO-8601. (default: now)")
    var asOf: String?
    @Option(
        help:
            "Longest delay from a payment to its label that still counts, e.g. 30d; older unlabeled payments count as legitimate."
    )
    var labelDelayMax: String = "30d"
    @OptionGroup var connection: ConnectionOptions

    func join() throws -> OutcomeJoin {
        guard let delay = DurationText.milliseconds(labelDelayMax), delay >= 0 else {
            throw ValidationError("--label-delay-max '\(labelDelayMax)' is not a duration such as 30d, 12h or 90m")
        }
        return OutcomeJoin(asOf: try asOf.map(TimeArgument.parse) ?? TimeArgument.now(), labelDelayMax: delay)
    }

    /// Reads both topics whole and joins them. Progress and counts go to standard error.
    func outcomes(model: String?, join: OutcomeJoin, logger: Logger) async throws -> [Outcome] {
        let client = connection.settings.kafkaClient
        let predictions = try await PredictionLogSnapshot.read(
            topic: predictionsTopic, model: model, client: client, logger: logger)
        let labels = try await LabelBook.read(topic: labelsTopic, client: client, logger: logger)
        var note = "read \(predictions.records.count) predictions from '\(predictionsTopic)'"
        if predictions.invalid > 0 { note += " (\(predictions.invalid) messages not prediction records)" }
        if let model, predictions.otherModels > 0 { note += ", leaving out \(predictions.otherModels) not of \(model)" }
        note += "; \(labels.messages) labels from '\(labelsTopic)' (\(labels.invalid) invalid)\n"
        FileHandle.standardError.write(Data(note.utf8))
        return join.outcomes(of: predictions.records, labels: labels)
    }
}
