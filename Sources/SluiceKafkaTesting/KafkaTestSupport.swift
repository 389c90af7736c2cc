import Foundation
import SluiceKafka
import SluiceTesting

/// Helpers for tests that talk to the real local broker.
public enum KafkaTestSupport {
    /// Creates a fresh topic with a unique name and returns the name.
    public static func makeTopic(_ prefix: String = "test", partitions: Int = 1) async throws -> String {
        let name = TestServices.uniqueName(prefix)
        let admin = try KafkaAdmin(configuration: TestServices.kafkaClient)
        try await admin.createTopic(name, partitions: partitions)
        return name
    }

    /// A consumer configuration for the local broker with a unique group.
    public static func consumerConfiguration(group: String? = nil) -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(groupID: group ?? TestServices.uniqueName("group"), client: TestServices.kafkaClient)
    }

    /// Reads `partitions` of `topic` from the beginning (manual assignment) until every partition
    /// reported its end, failing after `timeout`.
    public static func readAll(
        topic: String, partitions: Int, timeout: Duration = .seconds(30)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration())
        var positions: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<partitions { positions[KafkaTopicPartition(topic, Int32(partition))] = .beginning }
        try consumer.assign(positions)
        return try await readUntilEnd(consumer, partitions: Set(positions.keys), timeout: timeout)
    }

    /// Polls `consumer` until each of `partitions` reported its end.
    public static func readUntilEnd(
        _ consumer: KafkaConsumer, partitions: Set<KafkaTopicPartition>, timeout: Duration = .seconds(30)
    ) async throws -> [KafkaConsumerMessage] {
        var messages: [KafkaConsumerMessage] = []
        var ended = Set<KafkaTopicPartition>()
        let deadline = ContinuousClock.now + timeout
        while !partitions.isSubset(of: ended) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure(
                    "partitions \(partitions.subtracting(ended).sorted()) did not reach their end within \(timeout); "
                        + "read \(messages.count) messages")
            }
            let batch = try await consumer.nextBatch(maxMessages: 500, timeout: .milliseconds(200))
            messages += batch.messages
            for partition in batch.reachedEnd.keys { ended.insert(partition) }
            // A partition that delivers more messages after its end has not really ended.
            for message in batch.messages where batch.reachedEnd[message.topicPartition] == nil {
                ended.remove(message.topicPartition)
            }
        }
        return messages
    }
}

extension TestServices {
    /// A client of the local broker.
    public static var kafkaClient: KafkaClientConfiguration {
        KafkaClientConfiguration(brokerList: brokers)
    }
}
