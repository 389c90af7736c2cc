import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceRegistry
import SluiceRuntime
import SluiceTopology
import SluiceTraining

/// `sluice ct run`: follows the retraining requests of a policy's model and runs each to its end.
struct ContinuousTrainingRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run continuous training: every retrain_requested event of a model, from training set to rollout.",
        discussion: """
            Follows the requests topic (sluice.ct) and runs each request of the policy's model in turn: a training set \
            of the policy's window from the feature log with the labels matured now, its validation, the trainer \
            (training.command, stopped after training.time_limit), the evaluation of candidate and champion on the \
            newest training.holdout, registration with lineage (tag ct.request), approval (automatic, or it waits \
            for `sluice models approve`), then shadow and canary steps held while their guards hold, read from the \
            prediction log, and promotion or rollback. Between runs it judges the policy's triggers (drift windows \
            and the champion's concept windows on --drift-topic, labels, the schedule) every --check-every and \
            publishes a request when one fires outside the cool-down. Every step is a training_step event: `sluice models history \
            NAME` tells the story. Killed at any point, it resumes on restart. Run one per model. \
            docs/continuous-training.md.
            """)

    @Option(help: "The policy file (models/NAME.yaml).")
    var policy: String
    @OptionGroup var topology: TopologyOption
    @Option(help: "Feature log folder (`sluice run --offline-dir`).")
    var features: String
    @Option(help: "Topic with the labels {\"txn_id\", \"label\", \"ts\"}.")
    var labelsTopic: String = "labels"
    @Option(help: "The prediction log the rollout's guards read.")
    var predictionsTopic: String = "sluice.predictions"
    @Option(help: "The topic of retraining requests.")
    var topic = RetrainRequest.defaultTopic
    @Option(
        help: "The drift monitor's topic (`sluice drift run --drift-topic`), read by the data-drift and decay triggers."
    )
    var driftTopic = "sluice.drift"
    @Option(help: "How often the policy's triggers are judged while no run is going on.")
    var checkEvery = "1m"
    @Option(help: "Where runs keep their training sets, model and trainer log (<folder>/<request id>/).")
    var workDir = ".sluice/ct"
    @Option(help: "How often a rollout stage's guards are read again.")
    var tick = "10s"
    @Flag(help: "Exit once the requests topic is read to its end, every run has ended and nothing came for --idle.")
    var untilIdle = false
    @Option(help: "With --until-idle: how long with no new request.")
    var idle = "5s"
    @Option(help: "Port of the Prometheus metrics endpoint (GET /metrics); 0 disables it.")
    var metricsPort: Int = 9466
    @Option(help: "Address the metrics endpoint listens on (0.0.0.0 in a container).")
    var metricsHost = "127.0.0.1"
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var registryOptions: RegistryOptions

    func run() async throws {
        logging.bootstrap(default: .info)
        let metrics = SluiceServices.bootstrapMetrics()
        let logger = Logger(label: "sluice.ct")
        let rules: TrainingPolicy
        do {
            rules = try TrainingPolicyLoader.load(file: policy)
        } catch {
            print(error.description)
            throw ExitCode(1)
        }
        guard let tickMilliseconds = DurationText.milliseconds(tick), tickMilliseconds > 0 else {
            throw ValidationError("--tick '\(tick)' is not a duration such as 10s or 1m")
        }
        guard let checkMilliseconds = DurationText.milliseconds(checkEvery), checkMilliseconds > 0 else {
            throw ValidationError("--check-every '\(checkEvery)' is not a duration such as 1m or 30s")
        }
        guard let idleMilliseconds = DurationText.milliseconds(idle), idleMilliseconds >= 0 else {
            throw ValidationError("--idle '\(idle)' is not a duration such as 5s or 1m")
        }
        let loaded = try topology.load().topology
        let client = registryOptions.connection.settings.kafkaClient
        var settings = ContinuousTrainingSettings(
            policy: rules, topologyName: loaded.name, featuresDirectory: features, client: client,
            artifacts: registryOptions.artifactStore)
        settings.topologyHash = Registry.document(of: loaded).contentHash
        settings.labelsTopic = labelsTopic
        settings.predictionsTopic = predictionsTopic
        settings.requestsTopic = topic
        settings.workDirectory = workDir
        settings.actor = registryOptions.actor ?? "sluice ct run"
        settings.tick = .milliseconds(tickMilliseconds)
        settings.driftTopic = driftTopic
        settings.triggerInterval = .milliseconds(checkMilliseconds)
        let stop: ContinuousTrainingService.Stop = untilIdle ? .idleFor(.milliseconds(idleMilliseconds)) : .never
        let summary = try await registryOptions.withRegistry { registry in
            let service = ContinuousTrainingService(settings: settings, registry: registry, logger: logger)
            let (port, host) = (metricsPort == 0 ? nil : metricsPort, metricsHost)
            let runService = {
                try await SluiceServices.run(
                    continuousTraining: service, until: stop, metricsPort: port, metricsHost: host, registry: metrics,
                    logger: logger)
            }
            if registryOptions.noPublish { return try await runService() }
            // Deployments the runs change reach `sluice serve` through the change feed.
            let publisher = try RegistryFeedPublisher(
                registry: registry, client: client, topic: registryOptions.topic, logger: logger)
            let feed = Task { await publisher.run() }
            defer { feed.cancel() }
            let summary = try await runService()
            feed.cancel()
            _ = try? await publisher.publishPending(timeout: .seconds(3))
            await publisher.close()
            return summary
        }
        print(
            "sluice ct run: \(summary.requests) run\(summary.requests == 1 ? "" : "s") of \(rules.model) (\(summary.triggered) triggered here), \(summary.skipped) request\(summary.skipped == 1 ? "" : "s") passed over"
        )
        for ending in summary.endings {
            print("  \(ending.requestID): \(ending.kind.rawValue) \(ending.outcome.rawValue): \(ending.detail)")
        }
    }
}
