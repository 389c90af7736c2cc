import Foundation
import Logging
import Metrics
import SluiceKafka
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceRuntime
import SluiceTraining

/// `sluice ct run`: follows the requests topic (`sluice.ct`) and runs each `retrain_requested`
/// event of its policy's model to its end, one at a time, in the order they were made. The
/// request's offset is committed (group `sluice-ct-<model>`) only once its run ended, so a process
/// killed mid-run finds the request again on restart and resumes it from its recorded steps; a
/// request whose run already ended (delivered twice) is passed over. One process per model: the
/// topic is read by assignment, not group membership, because a rollout holds a request for
/// hours.
public struct ContinuousTrainingService: Sendable {
    public enum Stop: Sendable, Equatable {
        /// Run until cancelled (SIGTERM, SIGINT).
        case never
        /// Stop once the topic was read to its end and this long passed with no new request.
        case idleFor(Duration)
    }

    /// What the service did, for the caller to report.
    public struct Summary: Sendable, Equatable {
        public var requests = 0
        /// The step each run ended with, in order.
        public var endings: [TrainingStep] = []
        /// Requests passed over: already ended, another model's, or not a request.
        public var skipped = 0
        /// Requests this service published because a trigger fired.
        public var triggered = 0
    }

    let settings: ContinuousTrainingSettings
    let registry: Registry
    let logger: Logger

    public init(settings: ContinuousTrainingSettings, registry: Registry, logger: Logger) {
        self.settings = settings
        self.registry = registry
        self.logger = logger
    }

    public var groupID: String { "sluice-ct-\(settings.policy.model)" }

    /// The endings a run is counted under in `sluice_ct_runs_total`.
    static let endings =
        ["promoted", "rolled_back", "failed"]
        + [TrainingStep.Kind.trainingSet, .validated, .trained, .evaluated, .registered].map { "\($0.rawValue)_failed" }

    public func run(until stop: Stop) async throws -> Summary {
        // Every ending exported at 0 from the start, so that the alert's increase has a series.
        for ending in Self.endings {
            _ = Counter(
                label: SluiceMetrics.continuousTrainingRuns,
                dimensions: [("model", settings.policy.model), ("ending", ending)])
        }
        Gauge(label: SluiceMetrics.continuousTrainingRollout, dimensions: [("model", settings.policy.model)]).record(-1)
        try await KafkaAdmin(configuration: settings.client, logger: logger)
            .createTopic(settings.requestsTopic, partitions: 1, ifNotExists: true)
        var configuration = KafkaConsumerConfiguration(groupID: groupID, client: settings.client)
        configuration.reportPartitionEnd = true
        configuration.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        defer { try? consumer.close() }
        let partition = KafkaTopicPartition(settings.requestsTopic, 0)
        try consumer.assign([partition: .committed])
        var summary = Summary()
        var idleSince = ContinuousClock.now
        var atEnd = false
        var nextCheck = ContinuousClock.now
        var coolingDownUntil: Int64?
        while !Task.isCancelled {
            let batch = try await consumer.nextBatch(maxMessages: 100, timeout: .milliseconds(500))
            if !batch.reachedEnd.isEmpty { atEnd = true }
            for message in batch.messages {
                atEnd = false
                try await handle(message.value, summary: &summary)
                try consumer.commit([message.topicPartition: message.offset + 1])
                idleSince = ContinuousClock.now
                nextCheck = ContinuousClock.now
            }
            // Triggers are judged once every request on the topic has run.
            if atEnd, batch.messages.isEmpty, ContinuousClock.now >= nextCheck {
                nextCheck = ContinuousClock.now + settings.triggerInterval
                let decision = try await withRetries("judging the triggers of \(settings.policy.model)") {
                    try await judgeTriggers()
                }
                if decision.shouldRun {
                    summary.triggered += 1
                    idleSince = ContinuousClock.now
                    continue
                }
                if let until = decision.coolingDownUntil, until != coolingDownUntil {
                    logger.notice(
                        "\(settings.policy.model): \(decision.reasons.map(\.description).joined(separator: "; ")); cooling down until \(TimeText.iso(until))"
                    )
                }
                coolingDownUntil = decision.coolingDownUntil
            }
            if case .idleFor(let idle) = stop, atEnd, batch.messages.isEmpty, ContinuousClock.now - idleSince >= idle {
                break
            }
        }
        return summary
    }

    /// Judges the policy's triggers on what happened since the model's last run, and publishes a
    /// request when one fired outside the cool-down.
    func judgeTriggers() async throws -> RetrainTrigger.Decision {
        let policy = settings.policy
        let last = try await registry.latestTrainingRequest(policy.model)
        let champion = try await registry.deployment(policy.model)?.champion
        let evidence = try await TriggerEvidenceReader.read(
            driftTopic: settings.driftTopic, labelsTopic: settings.labelsTopic, model: policy.model,
            champion: champion, since: last?.time, client: settings.client, logger: logger)
        var inputs = RetrainTrigger.Inputs(now: Registry.wallClock(), lastRunStarted: last?.time)
        inputs.driftWindows = evidence.driftWindows
        inputs.championLive = evidence.championLive
        inputs.labelsMatured = evidence.labelsMatured
        if let champion {
            let metrics = try await registry.version(policy.model, champion).metrics
            inputs.championValidation = ModelQuality(
                labeled: 0, positives: 0, prAUC: metrics[QualityMetric.prAUC.rawValue],
                rocAUC: metrics[QualityMetric.rocAUC.rawValue],
                recallAt1PercentFPR: metrics[QualityMetric.recallAt1PercentFPR.rawValue])
        }
        let decision = RetrainTrigger.evaluate(policy, inputs)
        guard decision.shouldRun else { return decision }
        let request = RetrainRequest(
            model: policy.model, championVersion: champion, requestedAt: inputs.now, decision: decision)
        let report = try await RetrainRequestPublisher.publish(
            request, topic: settings.requestsTopic, client: settings.client, registry: registry, actor: settings.actor)
        logger.notice(
            "\(policy.model): retraining requested (\(request.requestID)) at offset \(report.offset): \(request.reasons.joined(separator: "; "))"
        )
        return decision
    }

    private func handle(_ value: [UInt8], summary: inout Summary) async throws {
        guard let request = RetrainRequest(json: Data(value)) else {
            logger.warning("\(settings.requestsTopic): a message that is not a retrain_requested event; passed over")
            summary.skipped += 1
            return
        }
        guard request.model == settings.policy.model else {
            summary.skipped += 1
            return
        }
        let recorded = try await withRetries("reading run \(request.requestID)") {
            try await registry.trainingSteps(request.model, requestID: request.requestID)
        }
        if case .finished = TrainingRunPlan.next(recorded, present: []), !recorded.isEmpty {
            logger.info(
                "\(request.model): request \(request.requestID) already ran (\(recorded.last!.kind.rawValue)); passed over"
            )
            summary.skipped += 1
            return
        }
        summary.requests += 1
        let run = ContinuousTrainingRun(settings: settings, registry: registry, request: request, logger: logger)
        let ending = try await withRetries("run \(request.requestID)") { try await run.drive() }
        logger.notice(
            "\(request.model): run \(request.requestID) ended: \(ending.kind.rawValue) \(ending.outcome.rawValue): \(ending.detail)"
        )
        summary.endings.append(ending)
        let name =
            ending.outcome == .failed && ending.kind != .rolledBack && ending.kind != .failed
            ? "\(ending.kind.rawValue)_failed" : ending.kind.rawValue
        Counter(label: SluiceMetrics.continuousTrainingRuns, dimensions: [("model", request.model), ("ending", name)])
            .increment()
    }

    /// Runs `body` until it succeeds, waiting 1 s, 2 s, ... up to 60 s between attempts and
    /// logging each failure (the registry, the broker or a disk away): a run is resumed from its
    /// recorded steps, so trying again is always safe. Cancellation ends the waiting.
    private func withRetries<Value>(_ what: String, _ body: () async throws -> Value) async throws -> Value {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(60))
        while true {
            do {
                return try await body()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let wait = backoff.failed()
                logger.error("\(what) failed; retrying in \(wait): \(error)")
                try await Task.sleep(for: wait)
            }
        }
    }
}
