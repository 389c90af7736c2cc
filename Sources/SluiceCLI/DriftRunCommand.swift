import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceDrift
import SluiceDriftMonitor
import SluiceOffline
import SluiceRegistry
import SluiceRuntime
import SluiceTopology

struct DriftRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Monitor the live topics for drift against a reference, window by window.",
        discussion: """
            Reads the topology's source topic for the reference's raw fields and the prediction log \
            for its features (<view>__<feature>) and score, in tumbling event-time windows. Each \
            closed window is published to the drift topic, one JSON record per column, and sets the \
            Prometheus gauges sluice_drift_psi, sluice_drift_js and sluice_drift_detected per column. \
            Processes with the same --group split the partitions; one of them merges the windows. \
            SIGTERM or SIGINT: stop; open windows are read again by the next run.
            """)

    @OptionGroup var topology: TopologyOption
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The reference Parquet file (what the model was trained on).")
    var reference: String?
    @Option(
        help:
            "Instead of --reference: the training set in the lineage of this model version (NAME@ALIAS, NAME/VERSION); an alias is followed when it moves."
    )
    var referenceModel: String?
    @Option(help: "How often --reference-model's alias is resolved again.")
    var followInterval: String = "30s"
    @OptionGroup var store: RegistryStoreOptions
    @OptionGroup var selection: DriftSettingsOptions
    @Option(help: "Window size (event time): 10m, 1h, 1d.")
    var window: String = "1h"
    @Option(
        help:
            "Events this much older than their partition's newest still count. (default: the topology's largest allowed_lateness)"
    )
    var allowedLateness: String?
    @Option(help: "A partition at its end with nothing new for this long stops holding windows back.")
    var idleTimeout: String = "30s"
    @Option(help: "Consumer group; processes in one group split the partitions. (default: sluice-drift-<topology>)")
    var group: String?
    @Option(help: "The prediction log to read features and scores from.")
    var predictionsTopic: String = "sluice.predictions"
    @Option(help: "Only predictions of this model (default: every model's).")
    var model: String?
    @Option(help: "Where closed windows are published.")
    var driftTopic: String = "sluice.drift"
    @Option(help: "Where processes exchange their partitions' windows (one partition).")
    var partsTopic: String = "sluice.drift.parts"
    @Option(
        help:
            "Judge concept drift too: the labels topic {\"txn_id\", \"label\", \"ts\"}, joined with the prediction log once labels mature. (default: off)"
    )
    var labelsTopic: String?
    @Option(
        help:
            "Longest delay from a payment to its label that still counts, e.g. 30d: a window is judged once labels are known up to its end plus this."
    )
    var labelDelayMax: String = "30d"
    @Option(help: "Decision threshold for precision, recall and DDM's errors (a score at or above it declines).")
    var threshold: Double = 0.5
    @Option(
        help:
            "Labeled scores that calibration and P(Y|X) are judged against: Parquet with 'score' and 'label', e.g. `sluice score` on the training set."
    )
    var conceptReference: String?
    @Option(help: "Values kept per numeric column and window for KS and Wasserstein (at most 50000).")
    var sampleSize: Int = ColumnWindowState.defaultSampleCapacity
    @Option(help: "Port of the Prometheus metrics endpoint (GET /metrics); 0 disables it.")
    var metricsPort: Int = 9465
    @Option(help: "Address the metrics endpoint listens on (0.0.0.0 in a container).")
    var metricsHost = "127.0.0.1"
    @Flag(help: "Exit 0 once every partition is idle at its end and every closed window is published.")
    var untilIdle = false
    @Flag(help: "Do not print progress lines.")
    var quiet = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (reference == nil) != (referenceModel == nil) else {
            throw ValidationError("give either --reference FILE or --reference-model NAME@ALIAS")
        }
        guard let interval = DurationText.milliseconds(followInterval), interval > 0 else {
            throw ValidationError("--follow-interval must be a positive duration such as 30s, not '\(followInterval)'")
        }
        guard let size = DurationText.milliseconds(window), size > 0 else {
            throw ValidationError("--window must be a positive duration such as 1h or 10m, not '\(window)'")
        }
        if let allowedLateness, (DurationText.milliseconds(allowedLateness) ?? -1) < 0 {
            throw ValidationError("--allowed-lateness must be a duration such as 2m, not '\(allowedLateness)'")
        }
        guard (DurationText.milliseconds(idleTimeout) ?? -1) >= 0 else {
            throw ValidationError("--idle-timeout must be a duration such as 30s, not '\(idleTimeout)'")
        }
        guard let delay = DurationText.milliseconds(labelDelayMax), delay >= 0 else {
            throw ValidationError("--label-delay-max must be a duration such as 30d, not '\(labelDelayMax)'")
        }
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be within 0...1") }
        if labelsTopic == nil && conceptReference != nil {
            throw ValidationError("--concept-reference needs --labels-topic (concept drift is judged on labels)")
        }
        guard (1...50_000).contains(sampleSize) else {
            throw ValidationError("--sample-size must be within 1...50000, not \(sampleSize)")
        }
    }

    func run() async throws {
        logging.bootstrap(default: .info)
        let registry = SluiceServices.bootstrapMetrics()
        let logger = Logger(label: "sluice.drift")
        let compiled = try topology.load()
        let settings = try selection.settings()
        let wanted = selection.wanted
        let lateness =
            allowedLateness.flatMap(DurationText.milliseconds)
            ?? compiled.topology.views.map(\.allowedLateness).max() ?? 0
        var configuration = DriftMonitorConfiguration(
            client: connection.settings.kafkaClient, groupID: group ?? "sluice-drift-\(compiled.topology.name)",
            allowedLateness: lateness)
        configuration.idleAfter = DurationText.milliseconds(idleTimeout)!
        configuration.model = model
        configuration.driftTopic = driftTopic
        configuration.partsTopic = partsTopic
        configuration.progressInterval = quiet ? nil : .seconds(2)
        configuration.untilIdle = untilIdle
        let (topology, windowSize, predictions, sampleCapacity) = (
            compiled.topology, DurationText.milliseconds(window)!, predictionsTopic, sampleSize
        )
        let conceptScores = try conceptReference.map(ConceptReferenceFile.read)
        let (labels, delay, threshold) = (labelsTopic, DurationText.milliseconds(labelDelayMax)!, threshold)
        let makeMonitor: @Sendable (String, [Int: [String: Double]]) throws -> DriftMonitor = {
            [configuration] path, validation in
            let samples = try ParquetDriftComparison.reference(path, columns: wanted, settings: settings)
            let plan = try DriftMonitorPlan(
                topology: topology, reference: samples, wanted: wanted, settings: settings,
                predictionsTopic: predictions, windowSize: windowSize, sampleCapacity: sampleCapacity)
            var configuration = configuration
            configuration.concept = labels.map { topic in
                let reference =
                    conceptScores.map { ConceptReference(scores: $0.scores, labels: $0.labels, validation: validation) }
                    ?? ConceptReference(validation: validation)
                return ConceptSettings(
                    labelsTopic: topic, labelDelayMax: delay, threshold: threshold, reference: reference)
            }
            return DriftMonitor(plan: plan, configuration: configuration, topology: topology, logger: logger)
        }
        do {
            if let reference {
                let validation = try await registeredMetrics(model: labelsTopic == nil ? nil : model, logger: logger)
                try await SluiceServices.run(
                    driftMonitor: try makeMonitor(reference, validation),
                    metricsPort: metricsPort == 0 ? nil : metricsPort, metricsHost: metricsHost, registry: registry,
                    logger: logger)
            } else if let referenceModel {
                let modelRegistry = try await store.location.open()
                let concept = labelsTopic != nil
                do {
                    try await SluiceServices.run(
                        driftMonitorFollowing: try ModelReference(referenceModel), registry: modelRegistry,
                        interval: .milliseconds(DurationText.milliseconds(followInterval)!),
                        makeMonitor: { resolved in
                            let validation =
                                concept
                                ? try await SluiceServices.validationMetrics(resolved.model, in: modelRegistry) : [:]
                            return try makeMonitor(resolved.path, validation)
                        }, metricsPort: metricsPort == 0 ? nil : metricsPort, metricsHost: metricsHost,
                        registry: registry, logger: logger)
                } catch {
                    await modelRegistry.database.close()
                    throw error
                }
                await modelRegistry.database.close()
            }
        } catch let error as OfflineError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as DriftMonitorError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch let error as RegistryError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        } catch {
            logger.error("sluice drift run failed: \(error)")
            throw ExitCode(1)
        }
    }

    /// With --model and a registry that exists, each version's registered metrics, for the
    /// concept windows to stand next to; none (with a warning) when the registry cannot be read.
    private func registeredMetrics(model: String?, logger: Logger) async throws -> [Int: [String: Double]] {
        guard let model, store.location.exists else { return [:] }
        do {
            let modelRegistry = try await store.location.open()
            do {
                let metrics = try await SluiceServices.validationMetrics(model, in: modelRegistry)
                await modelRegistry.database.close()
                return metrics
            } catch {
                await modelRegistry.database.close()
                throw error
            }
        } catch {
            logger.warning("drift monitor: no validation metrics of \(model) from the registry: \(error)")
            return [:]
        }
    }
}
