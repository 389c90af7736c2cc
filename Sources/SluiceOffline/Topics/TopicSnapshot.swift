import Foundation
import Logging
import SluiceCore
import SluiceKafka

/// Reads a whole topic once: every message of every partition from the beginning (or from the
/// first message at or after a timestamp) until each partition reports its end, under a consumer
/// group of its own that commits nothing.
enum TopicSnapshot {
    /// Calls `each` for every message; returns how many there were.
    /// - Parameters:
    ///   - role: what the topic is, for errors ("labels", "predictions").
    ///   - from: epoch ms: messages timestamped before it are skipped (nil: from the beginning).
    static func read(
        topic: String, role: String, client: KafkaClientConfiguration, logger: Logger, timeout: Duration,
        from: Int64? = nil, _ each: (KafkaConsumerMessage) -> Void
    ) async throws -> Int {
        let admin = try KafkaAdmin(configuration: client, logger: logger)
        guard let partitions = try await admin.metadata().topic(topic)?.partitions, !partitions.isEmpty else {
            throw OfflineError(.topicMissing, "the \(role) topic '\(topic)' does not exist")
        }
        var configuration = KafkaConsumerConfiguration(
            groupID: "sluice-\(role)-\(UUID().uuidString.prefix(8))", client: client)
        configuration.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        defer { try? consumer.close() }
        let wanted = Set(partitions.map { KafkaTopicPartition(topic, $0) })
        if let from {
            try consumer.assign(partitions: Array(wanted), fromTimestamp: from)
        } else {
            try consumer.assign(Dictionary(uniqueKeysWithValues: wanted.map { ($0, KafkaOffset.beginning) }))
        }
        var count = 0
        var ended = Set<KafkaTopicPartition>()
        let deadline = ContinuousClock.now + timeout
        while !wanted.isSubset(of: ended) {
            guard ContinuousClock.now < deadline else {
                throw OfflineError(
                    .timedOut,
                    "the \(role) topic '\(topic)' did not reach its end within \(timeout) (read \(count) messages)")
            }
            let batch = try await consumer.nextBatch(maxMessages: 10_000, timeout: .milliseconds(200))
            for message in batch.messages {
                each(message)
                count += 1
                ended.remove(message.topicPartition)
            }
            for partition in batch.reachedEnd.keys { ended.insert(partition) }
        }
        return count
    }
}
