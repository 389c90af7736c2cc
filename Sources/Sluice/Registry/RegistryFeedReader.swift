import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRegistry

/// Reads the registry's change feed: every event once, in sequence order. The feed is at least
/// once, so the reader drops any event whose sequence it has already passed; a message that is
/// not a registry event is logged and skipped.
///
/// Readers that must not miss a change read the store first (`Registry.headSequence()` and the
/// state they need), then follow the feed after that sequence.
public struct RegistryFeedReader: Sendable {
    public let topic: String
    private let client: KafkaClientConfiguration
    private let logger: Logger

    public init(client: KafkaClientConfiguration, topic: String = RegistryFeedPublisher.defaultTopic, logger: Logger) {
        self.client = client
        self.topic = topic
        self.logger = logger
    }

    /// Calls `handle` with each event whose sequence is above `after`, in order, once. Without
    /// `follow` it returns at the end of the topic (at once when the topic does not exist);
    /// with it, it waits for new events until the task is cancelled.
    /// - Returns: the sequence of the last event handled (or `after`).
    @discardableResult
    public func read(
        after: Int64 = 0, follow: Bool, timeout: Duration = .seconds(30),
        handle: (RegistryEvent) async throws -> Void
    ) async throws -> Int64 {
        let admin = try KafkaAdmin(configuration: client, logger: logger)
        var partitions = try await admin.metadata(timeout: .seconds(10)).topic(topic)?.partitions ?? []
        while partitions.isEmpty {
            guard follow else { return after }
            try await Task.sleep(for: .seconds(1))
            partitions = try await admin.metadata(timeout: .seconds(10)).topic(topic)?.partitions ?? []
        }
        var configuration = KafkaConsumerConfiguration(
            groupID: "sluice-registry-feed-\(UUID().uuidString.prefix(8))", client: client)
        configuration.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        defer { try? consumer.close() }
        let wanted = Set(partitions.map { KafkaTopicPartition(topic, $0) })
        try consumer.assign(Dictionary(uniqueKeysWithValues: wanted.map { ($0, KafkaOffset.beginning) }))
        var last = after
        var ended = Set<KafkaTopicPartition>()
        let deadline = ContinuousClock.now + timeout
        while follow || !wanted.isSubset(of: ended) {
            try Task.checkCancellation()
            if !follow && ContinuousClock.now >= deadline {
                throw KafkaError(.timedOut, "the registry feed \(topic) did not reach its end within \(timeout)")
            }
            let batch = try await consumer.nextBatch(maxMessages: 1000, timeout: .milliseconds(200))
            for message in batch.messages {
                ended.remove(message.topicPartition)
                let event: RegistryEvent
                do {
                    event = try RegistryEvent(jsonText: String(decoding: message.value, as: UTF8.self))
                } catch {
                    logger.warning(
                        "skipping a message of the registry feed that is not a registry event",
                        metadata: ["offset": "\(message.offset)", "error": "\(error)"])
                    continue
                }
                guard event.sequence > last else { continue }
                if event.sequence != last + 1 && last > after {
                    logger.warning(
                        "registry feed skips sequences; read the store for the missing events",
                        metadata: ["from": "\(last + 1)", "to": "\(event.sequence - 1)"])
                }
                try await handle(event)
                last = event.sequence
            }
            for partition in batch.reachedEnd.keys { ended.insert(partition) }
        }
        return last
    }
}
