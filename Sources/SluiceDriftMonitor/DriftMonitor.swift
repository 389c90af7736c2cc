import Foundation
import Logging
import SluiceCore
import SluiceDrift
import SluiceKafka
import SluiceRuntime
import Synchronization

/// `sluice drift run`: compares the live topics with a reference, window by window. Each process
/// of a group keeps the windows of its share of the source partitions and publishes them as
/// parts; the process that holds the parts topic merges them into whole windows and publishes one
/// record per column to the drift topic (docs/drift.md, "Live monitoring").
///
/// `run()` blocks a dedicated thread until cancelled (SIGTERM through the service group) or,
/// with `untilIdle`, until everything read is published. Open windows are not published on stop:
/// their partitions' committed offsets make the next run read them again.
public final class DriftMonitor: Sendable {
    public let plan: DriftMonitorPlan
    public let configuration: DriftMonitorConfiguration
    private let topology: Topology
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)

    public init(plan: DriftMonitorPlan, configuration: DriftMonitorConfiguration, topology: Topology, logger: Logger) {
        self.plan = plan
        self.configuration = configuration
        self.topology = topology
        self.logger = logger
    }

    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    public func run() async throws {
        let partitionCounts = try await prepareTopics()
        try await withTaskCancellationHandler {
            try await DedicatedThread.run(name: "sluice-drift") { [self] in try loop(partitionCounts: partitionCounts) }
        } onCancel: {
            stop()
        }
    }

    /// Checks the source topics and creates the parts, progress and drift topics (one partition
    /// each) if they are missing. Returns each source topic's number of partitions.
    private func prepareTopics() async throws -> [String: Int] {
        let admin = try KafkaAdmin(configuration: configuration.client, logger: logger)
        let metadata = try await admin.metadata()
        var counts: [String: Int] = [:]
        var read = plan.topics.map { ($0, $0 == plan.transactionsTopic ? "topology's source" : "prediction log") }
        if let concept = configuration.concept {
            if !plan.topics.contains(plan.predictionsTopic) { read.append((plan.predictionsTopic, "prediction log")) }
            read.append((concept.labelsTopic, "labels topic"))
        }
        for (topic, role) in read {
            guard let partitions = metadata.topic(topic)?.partitions, !partitions.isEmpty else {
                throw DriftMonitorError(
                    .topicMissing, "the topic '\(topic)' does not exist; it is the \(role) the monitor reads")
            }
            counts[topic] = partitions.count
        }
        for topic in [configuration.partsTopic, configuration.driftTopic] where metadata.topic(topic) == nil {
            try await admin.createTopic(topic, partitions: 1, ifNotExists: true)
        }
        if metadata.topic(configuration.progressTopic) == nil {
            try await admin.createTopic(
                configuration.progressTopic, partitions: 1, configs: ["cleanup.policy": "compact"], ifNotExists: true)
        }
        return counts
    }

    private func loop(partitionCounts: [String: Int]) throws {
        var producerConfiguration = KafkaProducerConfiguration(client: configuration.client)
        producerConfiguration.linger = .milliseconds(5)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let sources = try SourceWindows(
            plan: plan, configuration: configuration, topology: topology, producer: producer, logger: logger)
        let publisher = try WindowPublisher(
            plan: plan, configuration: configuration, partitionCounts: partitionCounts, producer: producer,
            logger: logger)
        let concept = configuration.concept.map { settings in
            ConceptLane(
                plan: plan, configuration: configuration, settings: settings, partitionCounts: partitionCounts,
                producer: producer, logger: logger)
        }
        defer {
            sources.close()
            concept?.close()
            publisher.close()
        }
        logger.info(
            "drift monitor started",
            metadata: [
                "monitor": "\(plan.fingerprintText)", "topics": "\(plan.topics.joined(separator: ","))",
                "columns": "\(plan.reference.columns.count)", "window_ms": "\(plan.windowSize)",
            ])
        // The rate counts from the first message read to the last, not from joining the group nor
        // across idle time.
        var firstRead: ContinuousClock.Instant?
        var lastRead = ContinuousClock.now
        var lastProgress = ContinuousClock.now
        var quietSince: ContinuousClock.Instant?
        let progressLine = ProgressLine()
        while !stopRequested.load(ordering: .relaxed) {
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            let read = try sources.step(now: now)
            if read > 0 {
                lastRead = .now
                if firstRead == nil { firstRead = .now - .milliseconds(50) }  // the first poll's wait
            }
            let merged = try publisher.step(now: now)
            let judged = try concept?.step(active: publisher.isMerging, now: now) ?? 0
            if let interval = configuration.progressInterval, ContinuousClock.now - lastProgress >= interval {
                lastProgress = .now
                progressLine.write(
                    progress(sources, publisher, concept, reading: (firstRead ?? lastRead, lastRead), now: now),
                    final: false)
            }
            if configuration.untilIdle {
                let idle =
                    read == 0 && merged == 0 && judged == 0 && sources.allAtEnd && sources.isIdle(now: now)
                    && publisher.hasJoined && publisher.pendingWindows == 0 && (concept?.isIdle(now: now) ?? true)
                if !idle {
                    quietSince = nil
                } else if let since = quietSince {
                    if ContinuousClock.now - since > .seconds(2) { break }
                } else {
                    quietSince = .now
                }
            }
        }
        if configuration.progressInterval != nil {
            progressLine.write(
                progress(sources, publisher, concept, reading: (firstRead ?? lastRead, lastRead), now: 0), final: true)
        }
    }

    private func progress(
        _ sources: SourceWindows, _ publisher: WindowPublisher, _ concept: ConceptLane?,
        reading: (first: ContinuousClock.Instant, last: ContinuousClock.Instant), now: Int64
    ) -> String {
        let seconds = (reading.last - reading.first).seconds
        var line =
            "sluice drift run: \(ProgressLine.grouped(sources.events)) events, \(ProgressLine.grouped(Int(ProgressLine.rate(sources.events, seconds: seconds)))) events/s, "
            + "\(sources.assignedPartitions) partitions, \(sources.openWindows) open windows"
        if now > 0, let watermark = sources.watermark(now: now) { line += ", watermark \(TimeText.iso(watermark))" }
        if sources.late > 0 { line += ", \(ProgressLine.grouped(sources.late)) late" }
        if sources.rejected > 0 { line += ", \(ProgressLine.grouped(sources.rejected)) unreadable" }
        if publisher.isMerging { line += ", \(publisher.published) column windows published" }
        if let concept, concept.isActive {
            line += "; concept: \(ProgressLine.grouped(concept.joined)) predictions joined"
            if now > 0, let known = concept.labelWatermark(now: now) { line += ", labels to \(TimeText.iso(known))" }
            if concept.heldPredictions > 0 { line += ", waiting for labels" }
            line += ", \(concept.published) variant windows judged"
            if concept.late > 0 { line += ", \(ProgressLine.grouped(concept.late)) late" }
        }
        return line
    }
}
