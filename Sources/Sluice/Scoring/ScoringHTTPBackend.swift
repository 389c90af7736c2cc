import Foundation
import SluiceCore
import SluiceHTTP
import SluiceModel
import SluiceOnlineStore
import SluiceRegistry

/// POST /v1/score: one payment scored by its model's deployment. The event is checked as the
/// topology's source declares it; each view's entity comes from the event's key fields, all views
/// are read in one Redis round trip at the event's time (so the vector is the one the feature log
/// and training sets hold for it), on-demand features come from the event's own fields, and the
/// version the routing key routes to scores the vector in its signature's order.
public struct ScoringHTTPBackend: ScoringBackend {
    let features: OnlineFeatureBackend
    let deployments: LiveDeployments
    let registry: Registry
    let predictions: PredictionLog?

    /// - Parameter predictions: where every scored request goes (served and shadow); nil: nowhere.
    public init(
        features: OnlineFeatureBackend, deployments: LiveDeployments, registry: Registry,
        predictions: PredictionLog? = nil
    ) {
        self.features = features
        self.deployments = deployments
        self.registry = registry
        self.predictions = predictions
    }

    public func score(body: [UInt8]) async throws(APIProblem) -> [UInt8] {
        let started = ContinuousClock.now
        let request = try Self.request(body)
        guard let live = deployments.live(request.model) else {
            if (try? await registry.model(request.model)) == nil {
                throw APIProblem.badRequest("unknown model '\(request.model)'")
            }
            throw APIProblem.conflict(
                "not_deployed",
                "model \(request.model) has no deployment; deploy it with `sluice deploy \(request.model)`")
        }
        let compiled = features.compiled
        let event: DecodedEvent
        switch compiled.decoder.decode(request.eventBytes, messageTimestamp: nil) {
        case .success(let decoded): event = decoded
        case .failure(let rejection):
            throw APIProblem.badRequest("event: \(rejection.detail) (\(rejection.reason.rawValue))")
        }
        let fields = compiled.topology.source.fields
        var inputs: [String: FieldValue] = [:]
        for (index, field) in fields.enumerated() { inputs[field.name] = event.values[index] }
        let views = compiled.topology.views.compactMap { view -> (view: String, entity: String)? in
            guard case .string(let entity)? = inputs[view.keyField] else { return nil }
            return (view.name, entity)
        }
        let vectors = try await features.vectors(views, at: event.eventTime, inputs: inputs)
        let route = live.router.route(key: inputs[live.deployment.routingKey].flatMap(Self.keyText))
        guard let (scorer, signature) = live.versions[route.version] else {
            throw APIProblem.internalError(
                "the deployment of \(request.model) routes to version \(route.version), which is not loaded")
        }
        let row = Self.row(signature, vectors: vectors)
        let score = row.withUnsafeBufferPointer { scorer.score($0) }
        let servedAt = Registry.wallClock()
        var answer = JSONBytes(capacity: request.includeFeatures ? 1024 : 256)
        answer.beginObject()
        answer.string("request_id", request.id)
        answer.string("model", request.model)
        answer.integer("version", Int64(route.version))
        answer.string("variant", route.variant)
        answer.number("score", Double(score))
        answer.integer("served_at", servedAt)
        if request.includeFeatures { Self.features(signature, row, into: &answer) }
        answer.endObject()
        if let predictions {
            let served = Prediction(
                requestID: request.id, eventID: inputs[compiled.topology.source.eventIdField].flatMap(Self.keyText),
                model: request.model, routingKey: inputs[live.deployment.routingKey].flatMap(Self.keyText),
                eventTime: event.eventTime, servedAt: servedAt,
                latency: ContinuousClock.now - started)
            // Shadows and the records are made after the answer, off the response path.
            Task.detached {
                served.log(
                    route: route, score: score, row: row, signature: signature, vectors: vectors, live: live,
                    to: predictions)
            }
        }
        return answer.bytes
    }

    // MARK: - Helpers

    /// What the prediction log records of one request, besides each version's score.
    struct Prediction: Sendable {
        var requestID: String
        var eventID: String?
        var model: String
        var routingKey: String?
        var eventTime: Int64
        var servedAt: Int64
        var latency: Duration

        /// Appends the served record and one record per shadow version (scored here).
        func log(
            route: DeploymentRouter.Route, score: Float, row: [Float], signature: [String], vectors: [FeatureVector],
            live: LiveDeployments.Live, to log: PredictionLog
        ) {
            append(
                version: route.version, variant: route.variant, served: true, score: score, row: row,
                signature: signature,
                vectors: vectors, to: log)
            for shadow in live.deployment.shadows {
                guard let (scorer, shadowSignature) = live.versions[shadow] else { continue }
                let shadowRow = ScoringHTTPBackend.row(shadowSignature, vectors: vectors)
                let shadowScore = shadowRow.withUnsafeBufferPointer { scorer.score($0) }
                append(
                    version: shadow, variant: "shadow", served: false, score: shadowScore, row: shadowRow,
                    signature: shadowSignature, vectors: vectors, to: log)
            }
        }

        private func append(
            version: Int, variant: String, served: Bool, score: Float, row: [Float], signature: [String],
            vectors: [FeatureVector], to log: PredictionLog
        ) {
            var record = JSONBytes(capacity: 768)
            record.beginObject()
            record.string("request_id", requestID)
            record.string("event_id", eventID)
            record.string("model", model)
            record.integer("version", Int64(version))
            record.string("variant", variant)
            record.bool("served", served)
            record.number("score", Double(score))
            ScoringHTTPBackend.features(signature, row, into: &record)
            record.beginObject("newest_event_time")
            for vector in vectors { record.integer(vector.view, vector.newestEventTime) }
            record.endObject()
            record.integer("event_time", eventTime)
            record.integer("served_at", servedAt)
            record.number(
                "latency_us", Double(latency.components.seconds) * 1e6 + Double(latency.components.attoseconds) / 1e12)
            record.endObject()
            log.append(key: routingKey, json: record.bytes)
        }
    }

    struct Request {
        var model: String
        var eventBytes: [UInt8]
        var id: String
        var includeFeatures: Bool
    }

    static func request(_ body: [UInt8]) throws(APIProblem) -> Request {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw APIProblem.badRequest(
                "the body must be a JSON object {\"model\": ..., \"event\": {...}, \"request_id\"?: ..., \"include_features\"?: ...}"
            )
        }
        guard let model = object["model"] as? String, !model.isEmpty else {
            throw APIProblem.badRequest("\"model\" must be the model's name")
        }
        // The decoder reads the event's own bytes: writing the parsed object back out cost a
        // quarter of a request's CPU.
        guard object["event"] is [String: Any], let eventBytes = rawEvent(body) else {
            throw APIProblem.badRequest(
                "\"event\" must be the transaction as a JSON object, with its fields as on the topic")
        }
        var id = UUID().uuidString.lowercased()
        switch object["request_id"] {
        case nil: break
        case let given as String where !given.isEmpty && given.unicodeScalars.count <= 128: id = given
        default: throw APIProblem.badRequest("\"request_id\" must be a string of 1 to 128 characters")
        }
        var includeFeatures = false
        switch object["include_features"] {
        case nil: break
        case let flag as Bool: includeFeatures = flag
        default: throw APIProblem.badRequest("\"include_features\" must be true or false")
        }
        return Request(model: model, eventBytes: Array(eventBytes), id: id, includeFeatures: includeFeatures)
    }

    /// The bytes of the top-level `"event"` object of a body that parsed as a JSON object.
    static func rawEvent(_ body: [UInt8]) -> ArraySlice<UInt8>? {
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        let open = UInt8(ascii: "{")
        let close = UInt8(ascii: "}")
        let openArray = UInt8(ascii: "[")
        let closeArray = UInt8(ascii: "]")
        let key = Array("event".utf8)
        var depth = 0
        var index = 0
        var expectingKey = false
        while index < body.count {
            let byte = body[index]
            if byte == quote {
                // A string: find its end, and see whether it is the top-level key "event".
                var end = index + 1
                while end < body.count && body[end] != quote {
                    end += body[end] == backslash ? 2 : 1
                }
                let isEventKey =
                    depth == 1 && expectingKey && body[(index + 1)..<min(end, body.count)].elementsEqual(key)
                index = end + 1
                if isEventKey {
                    while index < body.count && (body[index] == UInt8(ascii: ":") || body[index] <= 0x20) { index += 1 }
                    guard index < body.count, body[index] == open else { return nil }
                    return objectSlice(body, from: index)
                }
                expectingKey = false
                continue
            }
            switch byte {
            case open, openArray:
                depth += 1
                expectingKey = byte == open
            case close, closeArray: depth -= 1
            case UInt8(ascii: ","): expectingKey = depth == 1 || expectingKey
            default: break
            }
            index += 1
        }
        return nil
    }

    /// The object starting at `start` up to its matching brace.
    private static func objectSlice(_ body: [UInt8], from start: Int) -> ArraySlice<UInt8>? {
        var depth = 0
        var index = start
        var inString = false
        while index < body.count {
            let byte = body[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return body[start...index] }
            }
            index += 1
        }
        return nil
    }

    static func features(_ signature: [String], _ row: [Float], into json: inout JSONBytes) {
        json.beginObject("features")
        for (column, value) in zip(signature, row) { json.number(column, value.isNaN ? nil : Double(value)) }
        json.endObject()
    }

    /// The row in signature order: column `<view>__<feature>` from that view's vector; NaN when
    /// the value is null or the column is unknown.
    static func row(_ signature: [String], vectors: [FeatureVector]) -> [Float] {
        signature.map { column in
            // `<view>__<feature>`, split on the first "__" by bytes (Foundation's range(of:) is
            // locale-aware and was 5% of a request).
            let bytes = column.utf8
            guard
                let separator = bytes.indices.first(where: { index in
                    bytes[index] == UInt8(ascii: "_") && bytes.index(after: index) < bytes.endIndex
                        && bytes[bytes.index(after: index)] == UInt8(ascii: "_")
                })
            else { return .nan }
            let view = column[..<separator]
            let feature = column[bytes.index(separator, offsetBy: 2)...]
            guard let vector = vectors.first(where: { $0.view == view }),
                let position = vector.names.firstIndex(where: { $0 == feature }),
                let value = vector.values[position]
            else { return .nan }
            return Float(value)
        }
    }

    static func keyText(_ value: FieldValue) -> String? {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        case .null: nil
        }
    }
}
