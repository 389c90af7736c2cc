import ArgumentParser
import Foundation
import Sluice
import SluiceKafka
import SluiceModel
import SluiceRegistry
import SluiceRuntime
import SluiceTraining

/// `sluice ct trigger NAME`: asks for a retraining run by hand, as a trigger would.
struct ContinuousTrainingTriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Ask for a retraining run of a registered model: a retrain_requested event on the sluice.ct topic.")

    @Argument(help: "The registered model.")
    var name: String
    @Option(help: "Why, recorded in the event and the registry.")
    var reason = "requested by hand"
    @Option(help: "The topic of retraining requests.")
    var topic = RetrainRequest.defaultTopic
    @Flag(help: "Print the event as JSON.")
    var json = false
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        // One registry session: the model and its champion, the event on the broker, then the
        // run's first step in the model's history (with the event's offset).
        let (request, report) = try await registryOptions.withRegistry(publish: true) { registry in
            _ = try await registry.model(name)
            let champion = try await registry.deployment(name)?.champion
            let request = RetrainRequest(
                model: name, championVersion: champion,
                requestedAt: Int64((Date().timeIntervalSince1970 * 1000).rounded()), triggers: ["manual"],
                reasons: [reason], actor: registryOptions.actorName)
            let report = try await RetrainRequestPublisher.publish(
                request, topic: topic, client: registryOptions.connection.settings.kafkaClient, registry: registry,
                actor: registryOptions.actorName)
            return (request, report)
        }
        if json { return print(request.json) }
        print(
            "\(name): retraining requested (request \(request.requestID), champion \(request.championVersion.map { "version \($0)" } ?? "none")) on \(topic) partition \(report.partition) offset \(report.offset)"
        )
    }
}
