import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime
import Synchronization

/// Produces `DemoGenerator` traffic to Kafka: transactions keyed by card, and labels.
public enum DemoProducer {
    public struct Summary: Sendable {
        public var transactions = 0
        public var malformed = 0
        public var labels = 0
        public var deliveryFailures = 0
        public var seconds = 0.0
    }

    /// - Parameter rate: events per second, or nil for as fast as possible. With a rate, event
    ///   times follow the wall clock; without, they spread evenly over `options.span` up to now.
    public static func run(
        options: DemoGenerator.Options, rate: Double?, topic: String, labelsTopic: String?, partitions: Int,
        client: KafkaClientConfiguration, logger: Logger, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> Summary {
        let admin = try KafkaAdmin(configuration: client, logger: logger)
        try await admin.createTopic(topic, partitions: partitions, ifNotExists: true)
        if let labelsTopic { try await admin.createTopic(labelsTopic, partitions: 1, ifNotExists: true) }

        let failures = FailureCounter()
        var configuration = KafkaProducerConfiguration(client: client)
        // Paced traffic keeps the producer's 5 ms default: the local broker (Tansu) spends most of
        // a millisecond of CPU per produce request, and 1 ms batches added seconds of latency at
        // 10k events/s (docs/local-stack.md).
        if rate == nil { configuration.linger = .milliseconds(20) }
        let producer = try KafkaProducer(configuration: configuration, logger: logger) { _ in failures.add() }
        var generator = DemoGenerator(options)
        var summary = Summary()
        let started = ContinuousClock.now
        while let record = generator.next() {
            if let rate {
                let due = started + .nanoseconds(Int64(Double(summary.transactions) / rate * 1e9))
                if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
            }
            try producer.enqueue(KafkaProducerMessage(topic: topic, key: Array(record.key.utf8), value: record.value))
            summary.transactions += 1
            if record.isMalformed { summary.malformed += 1 }
            if let label = record.label, let labelsTopic {
                try producer.enqueue(
                    KafkaProducerMessage(
                        topic: labelsTopic, key: Array(label.txnID.utf8), value: Array(label.json.utf8),
                        timestamp: label.time))
                summary.labels += 1
            }
            if summary.transactions % 100_000 == 0 { progress?(summary.transactions) }
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()
        summary.deliveryFailures = failures.count
        summary.seconds = (ContinuousClock.now - started).seconds
        return summary
    }
}

private final class FailureCounter: Sendable {
    private let value = Atomic<Int>(0)
    func add() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
