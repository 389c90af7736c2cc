import Foundation

/// The fields of a prediction-log record (docs/scoring.md) the monitor reads: the served
/// vector, the score, the payment's event time and the request id (the sample key).
struct PredictionFields {
    var requestID: String
    var model: String
    var served: Bool
    var eventTime: Int64
    var score: Double?
    var features: [String: Double?]

    /// Nil when the record lacks one of them or is not JSON.
    init?(json bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let requestID = object["request_id"] as? String,
            let model = object["model"] as? String,
            let served = object["served"] as? Bool,
            let eventTime = (object["event_time"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) })
        else { return nil }
        self.requestID = requestID
        self.model = model
        self.served = served
        self.eventTime = eventTime
        score = (object["score"] as? NSNumber)?.doubleValue
        var features: [String: Double?] = [:]
        for (name, value) in object["features"] as? [String: Any] ?? [:] {
            features[name] = .some((value as? NSNumber)?.doubleValue)
        }
        self.features = features
    }
}
