import Logging
import SluiceCore
import SluiceKafka

/// Every record of the prediction log topic, read once from the beginning to the end.
public struct PredictionLogSnapshot: Sendable {
    public var records: [PredictionRecord] = []
    /// Messages that were not a prediction record (see `PredictionRecord.init(json:)`).
    public var invalid = 0
    /// Valid records of other models, left out by the filter.
    public var otherModels = 0

    public init(records: [PredictionRecord] = []) {
        self.records = records
    }

    /// Reads `topic`; with `model`, keeps that model's records only.
    public static func read(
        topic: String, model: String?, client: KafkaClientConfiguration, logger: Logger,
        timeout: Duration = .seconds(300)
    ) async throws -> PredictionLogSnapshot {
        var snapshot = PredictionLogSnapshot()
        _ = try await TopicSnapshot.read(
            topic: topic, role: "predictions", client: client, logger: logger, timeout: timeout
        ) { message in
            guard let record = PredictionRecord(json: message.value) else {
                snapshot.invalid += 1
                return
            }
            if let model, record.model != model {
                snapshot.otherModels += 1
                return
            }
            snapshot.records.append(record)
        }
        return snapshot
    }
}
