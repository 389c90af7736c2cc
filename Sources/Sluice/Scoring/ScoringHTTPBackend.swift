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
        var answer: [String: Any] = [
            "request_id": request.id, "model": request.model, "version": route.version, "variant": route.variant,
            "score": Double(score), "served_at": Registry.wallClock(),
        ]
        if request.includeFeatures {
            var vector: [String: Any] = [:]
            for (column, value) in zip(signature, row) { vector[column] = value.isNaN ? NSNull() : Double(value) }
            answer["features"] = vector
        }
        guard let json = try? JSONSerialization.data(withJSONObject: answer, options: [.sortedKeys]) else {
            throw APIProblem.internalError("the answer did not encode as JSON")
        }
        if let predictions {
            let served = Prediction(
                requestID: request.id, eventID: inputs[compiled.topology.source.eventIdField].flatMap(Self.keyText),
                model: request.model, routingKey: inputs[live.deployment.routingKey].flatMap(Self.keyText),
                servedAt: answer["served_at"] as? Int64 ?? Registry.wallClock(),
                latency: ContinuousClock.now - started)
            // Shadows and the records are made after the answer, off the response path.
            Task.detached {
                served.log(
                    route: route, score: score, row: row, signature: signature, vectors: vectors, live: live,
                    to: predictions)
            }
        }
        return Array(json)
    }

    // MARK: - Helpers

    /// What the prediction log records of one request, besides each version's score.
    struct Prediction: Sendable {
        var requestID: String
        var eventID: String?
        var model: String
        var routingKey: String?
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
            var features: [String: Any] = [:]
            for (column, value) in zip(signature, row) { features[column] = value.isNaN ? NSNull() : Double(value) }
            var newest: [String: Any] = [:]
            for vector in vectors { newest[vector.view] = vector.newestEventTime.map { $0 as Any } ?? NSNull() }
            let record: [String: Any] = [
                "request_id": requestID, "event_id": eventID.map { $0 as Any } ?? NSNull(), "model": model,
                "version": version, "variant": variant, "served": served, "score": Double(score), "features": features,
                "newest_event_time": newest, "served_at": servedAt,
                "latency_us": Double(latency.components.seconds) * 1e6 + Double(latency.components.attoseconds) / 1e12,
            ]
            guard let json = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
            log.append(key: routingKey, json: Array(json))
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
        guard let event = object["event"] as? [String: Any],
            let eventBytes = try? JSONSerialization.data(withJSONObject: event)
        else {
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

    /// The row in signature order: column `<view>__<feature>` from that view's vector; NaN when
    /// the value is null or the column is unknown.
    static func row(_ signature: [String], vectors: [FeatureVector]) -> [Float] {
        signature.map { column in
            guard let separator = column.range(of: "__") else { return .nan }
            let view = column[..<separator.lowerBound]
            let feature = String(column[separator.upperBound...])
            guard let vector = vectors.first(where: { $0.view == view }), let value = vector[feature] ?? nil
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
