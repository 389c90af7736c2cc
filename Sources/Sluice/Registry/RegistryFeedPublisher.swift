import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRegistry
import SluiceRuntime
import Synchronization

/// Publishes the registry's committed events, in sequence order, to the change-feed topic
/// (`sluice.registry`): the relay of the transactional outbox. The event log is the outbox and
/// `registry_feed.published_sequence` its cursor, advanced only after the broker acknowledged
/// every event up to it.
///
/// At least once: an event whose delivery was not confirmed is sent again by the next round, so
/// readers drop sequences they have seen (`RegistryFeedReader` does). Order: every message goes
/// to partition 0 with one request in flight, and a round starts only when the previous round's
/// messages are all acknowledged or failed, so first deliveries arrive in sequence order.
public final class RegistryFeedPublisher: Sendable {
    public static let defaultTopic = "sluice.registry"

    public let topic: String
    private let registry: Registry
    private let producer: KafkaProducer
    private let admin: KafkaAdmin
    private let failures: Failures
    /// Whether the topic is known to exist (created, or found, by an earlier round).
    private let topicReady = Atomic<Bool>(false)
    private let logger: Logger

    /// Counts delivery failures reported by librdkafka's delivery thread.
    private final class Failures: Sendable {
        let count = Atomic<Int>(0)
    }

    public init(registry: Registry, client: KafkaClientConfiguration, topic: String = defaultTopic, logger: Logger)
        throws(KafkaError)
    {
        var client = client
        client.properties["max.in.flight.requests.per.connection"] = "1"
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.linger = .milliseconds(1)
        configuration.messageTimeout = .seconds(10)
        let failures = Failures()
        self.producer = try KafkaProducer(
            configuration: configuration, logger: logger,
            deliveryFailureHandler: { _ in failures.count.add(1, ordering: .relaxed) })
        self.admin = try KafkaAdmin(configuration: client, logger: logger)
        self.failures = failures
        self.registry = registry
        self.topic = topic
        self.logger = logger
    }

    /// Publishes every event after the feed position and advances it.
    /// - Returns: how many events were published and the new position.
    /// - Throws: `KafkaError` when the broker does not acknowledge them within `timeout` (the
    ///   position stays, and a later round sends them again), `RegistryError` when the store fails.
    @discardableResult
    public func publishPending(timeout: Duration = .seconds(5), batchSize: Int = 1000) async throws -> (
        published: Int, position: Int64
    ) {
        // Messages of an earlier round that timed out may still be queued: let them finish
        // first, so that this round cannot overtake them.
        if producer.outstandingCount > 0 { try await producer.flush(timeout: timeout) }
        var position = try await registry.feedPosition()
        var published = 0
        while true {
            let events = try await registry.events(after: position, limit: batchSize)
            guard let last = events.last else { return (published, position) }
            if !topicReady.load(ordering: .relaxed) {
                try await admin.createTopic(topic, partitions: 1, ifNotExists: true, timeout: timeout)
                topicReady.store(true, ordering: .relaxed)
            }
            let failedBefore = failures.count.load(ordering: .relaxed)
            for event in events { try producer.enqueue(Self.message(event, topic: topic)) }
            try await producer.flush(timeout: timeout)
            let failed = failures.count.load(ordering: .relaxed) - failedBefore
            guard failed == 0 else {
                throw KafkaError(
                    .deliveryFailed, "\(failed) of \(events.count) registry events were not delivered to \(topic)")
            }
            try await registry.advanceFeed(to: last.sequence)
            position = last.sequence
            published += events.count
        }
    }

    /// Publishes new events every `interval` until the task is cancelled; failures are logged
    /// and retried with backoff (up to 30 s apart), so the feed catches up after an outage.
    public func run(interval: Duration = .milliseconds(250)) async {
        var backoff = Backoff(initial: interval, maximum: .seconds(30))
        var behind = false
        while !Task.isCancelled {
            do {
                let (published, position) = try await publishPending()
                if behind {
                    logger.notice("registry change feed caught up", metadata: ["position": "\(position)"])
                    behind = false
                } else if published > 0 {
                    logger.debug("registry events published", metadata: ["count": "\(published)"])
                }
                backoff.succeeded()
                try? await Task.sleep(for: interval)
            } catch {
                let wait = backoff.failed()
                logger.warning(
                    "registry change feed is behind; retrying",
                    metadata: ["error": "\(error)", "retry_in": "\(wait)", "topic": "\(topic)"])
                behind = true
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Waits up to `flushTimeout` for messages still in flight, then stops the producer.
    public func close(flushTimeout: Duration = .seconds(2)) async {
        await producer.close(flushTimeout: flushTimeout)
    }

    /// The message of one event: keyed by its model or topology name, its JSON as the value, and
    /// its sequence also in the `sluice-sequence` header for readers that skip the body.
    static func message(_ event: RegistryEvent, topic: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic, partition: 0, key: event.change.subject, value: event.jsonText, timestamp: event.time,
            headers: [KafkaHeader(key: "sluice-sequence", value: String(event.sequence))])
    }
}
