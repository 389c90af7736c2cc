import Foundation

/// One record of the prediction log (the topic `sluice serve` appends every scored request to),
/// with the fields the feedback loop reads. docs/scoring.md lists the record.
public struct PredictionRecord: Sendable, Equatable {
    public var requestID: String
    public var eventID: String
    public var model: String
    public var version: Int
    /// `champion`, `canary`, an A/B arm's name, or `shadow`.
    public var variant: String
    /// False for shadow scores, which never answered.
    public var served: Bool
    public var score: Double
    /// The payment's event time (epoch ms): where the label delay counts from.
    public var eventTime: Int64
    /// When the answer was made (epoch ms).
    public var servedAt: Int64
    /// The answered request's time in the server (µs).
    public var latencyMicroseconds: Double

    public init(
        requestID: String, eventID: String, model: String, version: Int, variant: String, served: Bool,
        score: Double, eventTime: Int64, servedAt: Int64, latencyMicroseconds: Double
    ) {
        self.requestID = requestID
        self.eventID = eventID
        self.model = model
        self.version = version
        self.variant = variant
        self.served = served
        self.score = score
        self.eventTime = eventTime
        self.servedAt = servedAt
        self.latencyMicroseconds = latencyMicroseconds
    }

    /// Parses one message; nil when it is not a prediction record with every field above (a
    /// record without an event id cannot meet its label).
    public init?(json bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let requestID = object["request_id"] as? String,
            let eventID = object["event_id"] as? String, !eventID.isEmpty,
            let model = object["model"] as? String,
            let version = (object["version"] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
            let variant = object["variant"] as? String,
            let served = object["served"] as? Bool,
            let score = (object["score"] as? NSNumber)?.doubleValue, score.isFinite,
            let eventTime = (object["event_time"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) }),
            let servedAt = (object["served_at"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) }),
            let latency = (object["latency_us"] as? NSNumber)?.doubleValue
        else { return nil }
        self.init(
            requestID: requestID, eventID: eventID, model: model, version: version, variant: variant, served: served,
            score: score, eventTime: eventTime, servedAt: servedAt, latencyMicroseconds: latency)
    }
}
