import Metrics
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// The engine's metric handles, created once so the hot path only increments them.
struct EngineMetricHandles {
    let eventsConsumed = Counter(label: SluiceMetrics.eventsConsumed)
    let eventsAccepted = Counter(label: SluiceMetrics.eventsAccepted)
    let deadLetters: [RejectionReason: Counter]
    let lateViewUpdates: [Counter]
    /// Updates found already in the stored tiles (a replay after a crash in per-key mode).
    let alreadyAppliedViewUpdates: [Counter]
    let batchDuration = Timer(label: SluiceMetrics.batchDuration, preferredDisplayUnit: .seconds)
    let redisWriteDuration = Timer(label: SluiceMetrics.redisWriteDuration, preferredDisplayUnit: .seconds)
    let batchStaleness = Timer(label: SluiceMetrics.batchStaleness, preferredDisplayUnit: .seconds)
    let redisFailures = Counter(label: SluiceMetrics.redisFailures)
    let cachedEntities = Gauge(label: SluiceMetrics.cachedEntities)
    let assignedPartitions = Gauge(label: SluiceMetrics.assignedPartitions)

    init(views: [String]) {
        var deadLetters: [RejectionReason: Counter] = [:]
        for reason in RejectionReason.allCases {
            deadLetters[reason] = Counter(
                label: SluiceMetrics.deadLetters, dimensions: [(SluiceMetrics.Label.reason, reason.rawValue)])
        }
        self.deadLetters = deadLetters
        lateViewUpdates = views.map {
            Counter(label: SluiceMetrics.lateViewUpdatesSkipped, dimensions: [(SluiceMetrics.Label.view, $0)])
        }
        alreadyAppliedViewUpdates = views.map {
            Counter(label: SluiceMetrics.alreadyAppliedViewUpdatesSkipped, dimensions: [(SluiceMetrics.Label.view, $0)])
        }
        // The codes the engine meets exported at 0 from the start, so that a rate over them (the
        // dashboards, the broker alert) has a series before the first error.
        for code in Self.engineKafkaErrors { _ = kafkaErrors(code) }
    }

    static let engineKafkaErrors: [KafkaError.Code] = [
        .brokerUnavailable, .timedOut, .commitFailed, .offsetQueryFailed, .deliveryFailed, .fatal, .underlying,
    ]

    func lag(_ partition: Int32) -> Gauge {
        Gauge(label: SluiceMetrics.consumerLag, dimensions: [(SluiceMetrics.Label.partition, String(partition))])
    }

    func kafkaErrors(_ code: KafkaError.Code) -> Counter {
        Counter(label: SluiceMetrics.kafkaErrors, dimensions: [(SluiceMetrics.Label.code, code.name)])
    }
}
