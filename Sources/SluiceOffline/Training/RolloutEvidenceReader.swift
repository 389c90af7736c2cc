import Foundation
import Logging
import SluiceKafka
import SluiceTraining

/// Reads what a rollout's guards judge from the prediction log: the records of one model logged
/// since a time, each with when it was served.
public enum RolloutEvidenceReader {
    public struct Record: Sendable, Equatable {
        /// When the answer was made (epoch ms): which stage the record belongs to.
        public var servedAt: Int64
        public var prediction: RolloutEvidence.Prediction
    }

    /// The records of `model` in `topic` logged at or after `from` (epoch ms), oldest first per
    /// partition. A record of the model whose score is missing or not finite is kept with a nil
    /// score: it is a scoring that failed.
    public static func read(
        topic: String, model: String, from: Int64, client: KafkaClientConfiguration, logger: Logger,
        timeout: Duration = .seconds(120)
    ) async throws -> [Record] {
        var records: [Record] = []
        _ = try await TopicSnapshot.read(
            topic: topic, role: "predictions", client: client, logger: logger, timeout: timeout, from: from
        ) { message in
            if var record = record(message.value, model: model), record.servedAt >= from {
                record.prediction.routingKey = message.keyString
                records.append(record)
            }
        }
        return records
    }

    static func record(_ bytes: [UInt8], model: String) -> Record? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            object["model"] as? String == model,
            let version = (object["version"] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
            let served = object["served"] as? Bool,
            let servedAt = (object["served_at"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) })
        else { return nil }
        let score = (object["score"] as? NSNumber)?.doubleValue
        return Record(
            servedAt: servedAt,
            prediction: RolloutEvidence.Prediction(
                eventID: object["event_id"] as? String ?? "", version: version, served: served,
                score: score.flatMap { $0.isFinite ? $0 : nil },
                latencyMicroseconds: (object["latency_us"] as? NSNumber)?.doubleValue ?? 0))
    }
}
