import SluiceCore
import SluiceKafka

/// Sends rejected events to the topology's dead-letter topic: the original key, value, timestamp
/// and headers, plus `sluice.reason`, `sluice.detail` and the source topic, partition and offset.
struct DeadLetterPublisher {
    let producer: KafkaProducer
    let topic: String

    /// Sends the records and waits until the broker has them (they are at-least-once: flushed
    /// before the batch's write).
    func publish(_ deadLetters: [(message: KafkaConsumerMessage, rejection: Rejection)]) throws {
        guard !deadLetters.isEmpty else { return }
        for (message, rejection) in deadLetters {
            var headers = message.headers
            headers.append(KafkaHeader(key: "sluice.reason", value: rejection.reason.rawValue))
            headers.append(KafkaHeader(key: "sluice.detail", value: String(rejection.detail.prefix(1000))))
            headers.append(KafkaHeader(key: "sluice.source.topic", value: message.topic))
            headers.append(KafkaHeader(key: "sluice.source.partition", value: String(message.partition)))
            headers.append(KafkaHeader(key: "sluice.source.offset", value: String(message.offset)))
            try producer.enqueue(
                KafkaProducerMessage(
                    topic: topic, key: message.key, value: message.value, timestamp: message.timestamp, headers: headers
                ))
        }
        try producer.flushBlocking(timeout: .seconds(30))
    }
}
