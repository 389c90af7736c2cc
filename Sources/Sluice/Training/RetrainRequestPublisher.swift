import SluiceKafka
import SluiceRegistry
import SluiceTraining

/// Puts a `retrain_requested` event on the requests topic and records it as the first step of its
/// run in the model's history (with the event's offset): what `sluice ct trigger` does by hand and
/// `sluice ct run` does when a trigger fires.
public enum RetrainRequestPublisher {
    public static func publish(
        _ request: RetrainRequest, topic: String, client: KafkaClientConfiguration, registry: Registry, actor: String
    ) async throws -> KafkaDeliveryReport {
        // One partition: requests of all models in the order they were made.
        try await KafkaAdmin(configuration: client).createTopic(topic, partitions: 1, ifNotExists: true)
        var configuration = KafkaProducerConfiguration(client: client)
        configuration.messageTimeout = .seconds(10)
        let producer = try KafkaProducer(configuration: configuration)
        let report: KafkaDeliveryReport
        do {
            report = try await producer.send(
                KafkaProducerMessage(topic: topic, key: request.model, value: request.json))
        } catch {
            await producer.close()
            throw error
        }
        await producer.close()
        try await registry.recordTrainingStep(
            TrainingStep(
                model: request.model, requestID: request.requestID, kind: .requested, outcome: .started,
                detail: "\(request.triggers.joined(separator: ", ")): \(request.reasons.joined(separator: "; "))",
                version: request.championVersion, figures: ["offset": Double(report.offset)]),
            actor: actor)
        return report
    }
}
