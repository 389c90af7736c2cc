import Logging
import Metrics
import SluiceKafka
import SluiceRuntime
import Synchronization

/// Every scored request, served and shadow, appended to the predictions topic (default
/// `sluice.predictions`) off the response path: scoring hands each record to the producer's
/// bounded queue (`capacity` records; librdkafka sends it in batches, 20 ms apart at most) and
/// never waits. When the broker is away the queue fills; beyond it records are dropped and
/// counted (`sluice_predictions_dropped_total`, and a log line at most every 10 s), as are
/// records the producer took but could not deliver within its message timeout. A score never
/// waits for the log and never fails because of it.
public final class PredictionLog: Sendable {
    public static let defaultTopic = "sluice.predictions"

    private final class Dropped: Sendable {
        /// Records refused by the full queue or undelivered, since the last report.
        let sinceReport = Atomic<Int>(0)
    }

    public let topic: String
    public let capacity: Int
    private let dropped: Dropped
    private let producer: KafkaProducer
    private let logger: Logger
    private let logged = Counter(label: SluiceMetrics.predictionsLogged)
    private let droppedCounter: Counter

    public init(
        client: KafkaClientConfiguration, topic: String = defaultTopic, capacity: Int = 100_000, logger: Logger
    ) throws(KafkaError) {
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.linger = .milliseconds(20)
        configuration.messageTimeout = .seconds(60)
        configuration.queueMaxMessages = capacity
        let dropped = Dropped()
        let droppedCounter = Counter(label: SluiceMetrics.predictionsDropped)
        producer = try KafkaProducer(
            configuration: configuration, logger: logger,
            deliveryFailureHandler: { _ in
                dropped.sinceReport.add(1, ordering: .relaxed)
                droppedCounter.increment()
            })
        self.dropped = dropped
        self.droppedCounter = droppedCounter
        self.topic = topic
        self.capacity = capacity
        self.logger = logger
    }

    /// Adds one record; never blocks. Returns false when the queue is full (or the producer
    /// closed) and it was dropped.
    @discardableResult
    public func append(key: String?, json: [UInt8]) -> Bool {
        do {
            try producer.tryEnqueue(
                KafkaProducerMessage(topic: topic, key: key.map { Array($0.utf8) }, value: json))
            logged.increment()
            return true
        } catch {
            dropped.sinceReport.add(1, ordering: .relaxed)
            droppedCounter.increment()
            return false
        }
    }

    /// Records in the producer's queue, not yet delivered or failed.
    public var buffered: Int { producer.outstandingCount }

    /// Reports dropped records (at most every 10 s) until cancelled, then flushes for up to 5 s.
    public func run(interval: Duration = .seconds(1)) async {
        var lastReport = ContinuousClock.now - .seconds(60)
        var unreported = 0
        while !Task.isCancelled {
            unreported += dropped.sinceReport.exchange(0, ordering: .relaxed)
            if unreported > 0 && ContinuousClock.now - lastReport > .seconds(10) {
                logger.warning(
                    "prediction log is full; records dropped (the broker is slow or away)",
                    metadata: ["dropped": "\(unreported)", "topic": "\(topic)", "buffered": "\(buffered)"])
                lastReport = ContinuousClock.now
                unreported = 0
            }
            try? await Task.sleep(for: interval)
        }
        await producer.close(flushTimeout: .seconds(5))
    }
}
