import SluiceCore
import SluiceModel
import SluiceOnlineStore

/// What the prediction log records of one scored request: the served version's record and one
/// per shadow version, each shadow scored here, after the answer went out. The members all
/// records of a request share (ids, model, newest event times, times, latency) are encoded once.
struct PredictionRecords: Sendable {
    var requestID: String
    var eventID: String?
    var model: String
    var routingKey: String?
    var eventTime: Int64
    var servedAt: Int64
    var latency: Duration
    /// The vectors read for the request, and per topology view the index of its vector.
    var vectors: [FeatureVector]
    var positions: [Int?]

    /// Appends the served record, then scores each shadow version and appends its record.
    func log(
        served version: ScoringVersion, route: DeploymentRouter.Route, score: Float, row: [Float],
        live: LiveDeployments.Live, to log: PredictionLog
    ) {
        var head = JSONBytes(capacity: 1024)
        head.beginObject()
        head.string("request_id", requestID)
        head.string("event_id", eventID)
        head.string("model", model)
        var tail = JSONBytes(capacity: 256)
        tail.beginObject("newest_event_time")
        for vector in vectors { tail.integer(vector.view, vector.newestEventTime) }
        tail.endObject()
        tail.integer("event_time", eventTime)
        tail.integer("served_at", servedAt)
        tail.number(
            "latency_us", Double(latency.components.seconds) * 1e6 + Double(latency.components.attoseconds) / 1e12)

        func append(_ version: ScoringVersion, number: Int, variant: String, served: Bool, score: Float, row: [Float]) {
            var record = head
            record.integer("version", Int64(number))
            record.string("variant", variant)
            record.bool("served", served)
            record.number("score", Double(score))
            version.writeFeatures(row, into: &record)
            record.append(members: tail)
            record.endObject()
            log.append(key: routingKey, json: record.bytes)
        }

        append(version, number: route.version, variant: route.variant, served: true, score: score, row: row)
        for shadow in live.deployment.shadows {
            guard let shadowVersion = live.versions[shadow] else { continue }
            let shadowRow = shadowVersion.row(vectors, positions: positions)
            let shadowScore = shadowRow.withUnsafeBufferPointer { shadowVersion.scorer.score($0) }
            ScoreMetrics.shared.record(model: model, variant: "shadow", version: shadow, score: shadowScore)
            append(shadowVersion, number: shadow, variant: "shadow", served: false, score: shadowScore, row: shadowRow)
        }
    }
}
