import Foundation
import NIOCore
import SluiceCore
import SluiceHTTP
import SluiceModel
import SluiceOnlineStore
import SluiceRedis
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
    let requestIDs = RequestIDs()

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

    public func anyEventLoop() -> any EventLoop { features.pool.anyEventLoop() }

    public func score(body: [UInt8], on eventLoop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        let started = ContinuousClock.now
        let request: ScoreRequest
        let live: LiveDeployments.Live
        let event: DecodedEvent
        let compiled = features.compiled
        do throws(APIProblem) {
            request = try body.withUnsafeBytes { bytes in
                Result { () throws(APIProblem) in try ScoreRequest.parse(bytes) }
            }.get()
            guard let found = deployments.live(request.model) else { return notDeployed(request.model, on: eventLoop) }
            live = found
            let decoded = body.withUnsafeBytes { bytes in
                compiled.decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[request.event]), messageTimestamp: nil)
            }
            switch decoded {
            case .success(let decoded): event = decoded
            case .failure(let rejection):
                throw APIProblem.badRequest("event: \(rejection.detail) (\(rejection.reason.rawValue))")
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let requestID = request.id ?? requestIDs.next()
        let fields = compiled.topology.source.fields
        var inputs: [String: FieldValue] = [:]
        for (index, field) in fields.enumerated() { inputs[field.name] = event.values[index] }
        let views = compiled.topology.views.compactMap { view -> (view: String, entity: String)? in
            guard case .string(let entity)? = inputs[view.keyField] else { return nil }
            return (view.name, entity)
        }
        let eventID = inputs[compiled.topology.source.eventIdField].flatMap(Self.keyText)
        let routingKey = inputs[live.deployment.routingKey].flatMap(Self.keyText)
        let predictions = self.predictions
        return features.vectors(views, at: event.eventTime, inputs: inputs, on: eventLoop).flatMapThrowing {
            vectors in
            let route = live.router.route(key: routingKey)
            guard let (scorer, signature) = live.versions[route.version] else {
                throw APIProblem.internalError(
                    "the deployment of \(request.model) routes to version \(route.version), which is not loaded")
            }
            let row = Self.row(signature, vectors: vectors)
            let score = row.withUnsafeBufferPointer { scorer.score($0) }
            ScoreMetrics.shared.record(
                model: request.model, variant: route.variant, version: route.version, score: score)
            let servedAt = Registry.wallClock()
            var answer = JSONBytes(capacity: request.includeFeatures ? 1024 : 256)
            answer.beginObject()
            answer.string("request_id", requestID)
            answer.string("model", request.model)
            answer.integer("version", Int64(route.version))
            answer.string("variant", route.variant)
            answer.number("score", Double(score))
            answer.integer("served_at", servedAt)
            if request.includeFeatures { Self.features(signature, row, into: &answer) }
            answer.endObject()
            if let predictions {
                let served = Prediction(
                    requestID: requestID, eventID: eventID, model: request.model, routingKey: routingKey,
                    eventTime: event.eventTime, servedAt: servedAt, latency: ContinuousClock.now - started)
                // Shadows and the records are made after the answer, off the response path.
                Task.detached {
                    served.log(
                        route: route, score: score, row: row, signature: signature, vectors: vectors, live: live,
                        to: predictions)
                }
            }
            return answer.bytes
        }
    }

    /// 400 for a model the registry does not know, else 409: it has no deployment.
    private func notDeployed(_ model: String, on eventLoop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        let registry = self.registry
        let promise = eventLoop.makePromise(of: [UInt8].self)
        promise.completeWithTask {
            if (try? await registry.model(model)) == nil { throw APIProblem.badRequest("unknown model '\(model)'") }
            throw APIProblem.conflict(
                "not_deployed", "model \(model) has no deployment; deploy it with `sluice deploy \(model)`")
        }
        return promise.futureResult
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
                ScoreMetrics.shared.record(model: model, variant: "shadow", version: shadow, score: shadowScore)
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
