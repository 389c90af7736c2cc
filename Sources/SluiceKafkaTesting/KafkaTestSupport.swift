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
    /// reported its end, failing when `stallTimeout` passes without a message or an end.
    public static func readAll(
        topic: String, partitions: Int, stallTimeout: Duration = .seconds(30)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration())
        var positions: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<partitions { positions[KafkaTopicPartition(topic, Int32(partition))] = .beginning }
        try consumer.assign(positions)
        return try await readUntilEnd(consumer, partitions: Set(positions.keys), stallTimeout: stallTimeout)
    }

    /// Polls `consumer` until each of `partitions` reported its end.
    ///
    /// The limit is on a stall, not on the whole read: under the full parallel suite the broker and
    /// this process share two cores with everything else, and a large topic can take longer than
    /// any fixed total while still moving. A read that stops moving fails with the last error seen.
    public static func readUntilEnd(
        _ consumer: KafkaConsumer, partitions: Set<KafkaTopicPartition>, stallTimeout: Duration = .seconds(30)
    ) async throws -> [KafkaConsumerMessage] {
        var messages: [KafkaConsumerMessage] = []
        var ended = Set<KafkaTopicPartition>()
        var lastError: KafkaError?
        var deadline = ContinuousClock.now + stallTimeout
        while !partitions.isSubset(of: ended) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure(
                    "partitions \(partitions.subtracting(ended).sorted()) did not reach their end: nothing arrived "
                        + "for \(stallTimeout) after \(messages.count) messages"
                        + (lastError.map { "; last error: \($0)" } ?? ""))
            }
            let batch = try await consumer.nextBatch(maxMessages: 5_000, timeout: .milliseconds(200))
            if !batch.messages.isEmpty || !batch.reachedEnd.isEmpty { deadline = ContinuousClock.now + stallTimeout }
            lastError = batch.errors.last ?? lastError
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
