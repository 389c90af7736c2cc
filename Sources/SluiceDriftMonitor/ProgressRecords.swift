import Foundation
import Logging
import SluiceCore
import SluiceKafka

/// The progress topic: the last `ResumePoint` of every source partition per group. Kafka's
/// commit metadata would hold it too, but not every broker keeps it (Tansu 0.6 drops it), so the
/// monitor keeps its own small compacted topic, read whole when partitions are assigned.
enum ProgressRecords {
    static func key(group: String, _ partition: KafkaTopicPartition) -> String {
        "\(group)/\(partition.topic):\(partition.partition)"
    }

    /// Reads the progress topic to its end: the newest resume point per key. Blocks (the
    /// monitor's own thread) for at most `timeout`.
    static func read(
        _ configuration: DriftMonitorConfiguration, logger: Logger, timeout: Duration = .seconds(30)
    ) throws -> [String: ResumePoint] {
        try readValues(configuration, logger: logger, timeout: timeout).compactMapValues {
            ResumePoint(String(decoding: $0, as: UTF8.self))
        }
    }

    /// Reads the progress topic to its end: the newest value per key.
    static func readValues(
        _ configuration: DriftMonitorConfiguration, logger: Logger, timeout: Duration = .seconds(30)
    ) throws -> [String: [UInt8]] {
        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: "\(configuration.groupID).progress-reader", client: configuration.client)
        consumerConfiguration.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        defer { try? consumer.close() }
        let partition = KafkaTopicPartition(configuration.progressTopic, 0)
        try consumer.assign([partition: .beginning])
        var values: [String: [UInt8]] = [:]
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(200))
            for message in batch.messages {
                guard let key = message.key.map({ String(decoding: $0, as: UTF8.self) }) else { continue }
                values[key] = message.value
            }
            if batch.reachedEnd[partition] != nil && batch.messages.isEmpty { return values }
        }
        throw DriftMonitorError(
            .broker, "the progress topic '\(configuration.progressTopic)' did not reach its end within \(timeout)")
    }
}
