import Logging
import Metrics
import SluiceKafka
import SluiceRuntime
import Synchronization

/// Every scored request, served and shadow, appended to the predictions topic (default
/// `sluice.predictions`) off the response path: scoring only appends to a bounded in-memory
/// buffer, and `run()` moves the buffer into the producer in batches. When the broker is away,
/// librdkafka's queue fills, then this buffer; beyond it records are dropped and counted
/// (`sluice_predictions_dropped_total`, and a log line at most every 10 s), as are records the
/// producer took but could not deliver within its message timeout. A score never waits for the
/// log and never fails because of it.
public final class PredictionLog: Sendable {
    public static let defaultTopic = "sluice.predictions"

    struct Record: Sendable {
        var key: String?
        var json: [UInt8]
    }

    private final class Undelivered: Sendable {
        let count = Atomic<Int>(0)
    }

    private struct Buffer {
        var records: [Record] = []
        var dropped = 0
    }

    public let topic: String
    public let capacity: Int
    private let buffer = Mutex(Buffer())
    /// Records the producer took but could not deliver, counted on its delivery thread.
    private let undelivered: Undelivered
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
        let undelivered = Undelivered()
        let dropped = Counter(label: SluiceMetrics.predictionsDropped)
        producer = try KafkaProducer(
            configuration: configuration, logger: logger,
            deliveryFailureHandler: { _ in
                undelivered.count.add(1, ordering: .relaxed)
                dropped.increment()
            })
        self.undelivered = undelivered
        self.droppedCounter = dropped
        self.topic = topic
        self.capacity = capacity
        self.logger = logger
    }

    /// Adds one record; never blocks. Returns false when the buffer is full and it was dropped.
    @discardableResult
    public func append(key: String?, json: [UInt8]) -> Bool {
        let kept = buffer.withLock { buffer in
            guard buffer.records.count < capacity else {
                buffer.dropped += 1
                return false
            }
            buffer.records.append(Record(key: key, json: json))
            return true
        }
        if !kept { droppedCounter.increment() }
        return kept
    }

    /// Records waiting in the buffer (not yet handed to the producer).
    public var buffered: Int { buffer.withLock { $0.records.count } }

    /// Moves buffered records to the producer until cancelled, then flushes for up to 5 s.
    public func run(interval: Duration = .milliseconds(20)) async {
        var lastReport = ContinuousClock.now - .seconds(60)
        while !Task.isCancelled {
            let pending = buffer.withLock { buffer in
                let taken = buffer.records
                buffer.records.removeAll(keepingCapacity: true)
                return taken
            }
            var handed = 0
            for record in pending {
                do {
                    try producer.tryEnqueue(
                        KafkaProducerMessage(topic: topic, key: record.key.map { Array($0.utf8) }, value: record.json))
                    handed += 1
                } catch {
                    break  // librdkafka's queue is full: keep the rest for the next round.
                }
            }
            if handed < pending.count { requeue(Array(pending[handed...])) }
            if handed > 0 { logged.increment(by: handed) }
            let dropped =
                buffer.withLock { buffer in
                    defer { buffer.dropped = 0 }
                    return buffer.dropped
                } + undelivered.count.exchange(0, ordering: .relaxed)
            if dropped > 0 && ContinuousClock.now - lastReport > .seconds(10) {
                logger.warning(
                    "prediction log is full; records dropped (the broker is slow or away)",
                    metadata: ["dropped": "\(dropped)", "topic": "\(topic)", "buffered": "\(buffered)"])
                lastReport = ContinuousClock.now
            }
            try? await Task.sleep(for: interval)
        }
        for record in buffer.withLock({ $0.records }) {
            try? producer.tryEnqueue(
                KafkaProducerMessage(topic: topic, key: record.key.map { Array($0.utf8) }, value: record.json))
        }
        await producer.close(flushTimeout: .seconds(5))
    }

    /// Puts records the producer could not take back in front of newer ones, within capacity.
    private func requeue(_ records: [Record]) {
        guard !records.isEmpty else { return }
        let overflow = buffer.withLock { buffer in
            let room = max(0, capacity - buffer.records.count)
            let kept = Array(records.prefix(room))
            buffer.records.insert(contentsOf: kept, at: 0)
            let overflow = records.count - kept.count
            buffer.dropped += overflow
            return overflow
        }
        if overflow > 0 { droppedCounter.increment(by: overflow) }
    }
}
