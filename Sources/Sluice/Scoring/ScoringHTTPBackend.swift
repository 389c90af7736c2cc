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
    /// The source field holding the event id.
    let eventIDField: Int?

    /// - Parameter predictions: where every scored request goes (served and shadow); nil: nowhere.
    public init(
        features: OnlineFeatureBackend, deployments: LiveDeployments, registry: Registry,
        predictions: PredictionLog? = nil
    ) {
        self.features = features
        self.deployments = deployments
        self.registry = registry
        self.predictions = predictions
        eventIDField = features.compiled.topology.source.fieldIndex(features.compiled.topology.source.eventIdField)
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
        // Each view's entity from the event's key field; a view whose key is null is not read
        // (its columns are missing).
        var views: [(view: String, entity: String)] = []
        views.reserveCapacity(compiled.layouts.count)
        var positions = [Int?](repeating: nil, count: compiled.layouts.count)
        for (index, layout) in compiled.layouts.enumerated() {
            guard case .string(let entity) = event.values[layout.keyFieldIndex] else { continue }
            positions[index] = views.count
            views.append((layout.view.name, entity))
        }
        let eventID = eventIDField.flatMap { Self.keyText(event.values[$0]) }
        let routingKey = live.routingKeyField.flatMap { Self.keyText(event.values[$0]) }
        let predictions = self.predictions
        return features.vectors(views, at: event.eventTime, inputs: .event(event.values), on: eventLoop)
            .flatMapThrowing { vectors in
                let route = live.router.route(key: routingKey)
                guard let version = live.versions[route.version] else {
                    throw APIProblem.internalError(
                        "the deployment of \(request.model) routes to version \(route.version), which is not loaded")
                }
                let row = version.row(vectors, positions: positions)
                let score = row.withUnsafeBufferPointer { version.scorer.score($0) }
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
                if request.includeFeatures { version.writeFeatures(row, into: &answer) }
                answer.endObject()
                if let predictions {
                    let records = PredictionRecords(
                        requestID: requestID, eventID: eventID, model: request.model, routingKey: routingKey,
                        eventTime: event.eventTime, servedAt: servedAt, latency: ContinuousClock.now - started,
                        vectors: vectors, positions: positions)
                    // Shadows and the records are made on this event loop once the answer has been
                    // written (it is, by the callbacks of this future, before the loop runs tasks).
                    eventLoop.execute {
                        records.log(served: version, route: route, score: score, row: row, live: live, to: predictions)
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
