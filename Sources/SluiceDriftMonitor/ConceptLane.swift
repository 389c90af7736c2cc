import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceDrift
import SluiceKafka
import SluiceOffline
import SluiceRuntime

/// Concept drift on the live topics: the prediction log joined with the labels topic once labels
/// matured, per event-time window and variant (docs/drift.md, "Concept drift, live").
///
/// The labels topic is read as it comes and kept in memory by event id; its watermark (the
/// smallest, over its active partitions, of the newest label time, less the allowed lateness) is
/// the time up to which labels are known. The prediction log is read behind it: a prediction is
/// joined only once its event time plus the label delay is at or before that watermark, so its
/// outcome is final (the rules of `sluice outcomes`: the newest label known within the delay,
/// else legitimate); a partition whose next prediction is not matured yet is paused. The joined
/// outcomes gather per window and variant until the predictions' own watermark closes the
/// window; it is then judged (`ConceptWindowMetrics`) and published to the drift topic.
///
/// Runs only in the process that merges (holds the parts topic), so that a group judges each
/// window once. Its position is the group `<group>.concept`'s committed offsets on the prediction
/// log, at the first prediction of the oldest window still open, with the windows' progress on
/// the progress topic; labels are read again from the beginning on every start.
///
/// Runs on the monitor's dedicated thread; not thread-safe.
final class ConceptLane {
    struct VariantKey: Hashable, Codable {
        var model: String
        var variant: String
        var version: Int
        var served: Bool
    }

    /// Every variant's DDM after the windows before `progress` were judged, kept on the progress
    /// topic so that a lane resuming there goes on with the same detectors.
    private struct DetectorSnapshot: Codable {
        struct Entry: Codable {
            var key: VariantKey
            var detector: DriftDetectionMethod
        }

        var windowSize: Int64
        var progress: Int64
        var detectors: [Entry]

        /// DDM's minimum starts infinite; JSON has no infinity.
        static let encoder = {
            let encoder = JSONEncoder()
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            encoder.outputFormatting = [.sortedKeys]
            return encoder
        }()
        static let decoder = {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return decoder
        }()
    }

    private let plan: DriftMonitorPlan
    private let configuration: DriftMonitorConfiguration
    private let settings: ConceptSettings
    private let partitionCounts: [String: Int]
    private let producer: KafkaProducer
    private let logger: Logger
    private let encoder: JSONEncoder
    private let groupID: String
    private var consumer: KafkaConsumer?
    private var labels = LabelBook()
    private var labelClock: TumblingWindowClock<Int32>
    private var predictionClock: TumblingWindowClock<Int32>
    /// Predictions read but not matured yet, per paused partition, in offset order.
    private var held: [Int32: [KafkaConsumerMessage]] = [:]
    /// The offset after the last prediction taken in, per partition.
    private var nextOffsets: [Int32: Int64] = [:]
    private var predictionsAtEnd: Set<Int32> = []
    /// Open windows by start: each variant's outcomes.
    private var windows: [Int64: [VariantKey: ConceptOutcomes]] = [:]
    /// Per open window, the first offset of each partition's predictions in it.
    private var firstOffsets: [Int64: [Int32: Int64]] = [:]
    /// Windows before this (per partition) were published before the lane resumed.
    private var resumedBefore: [Int32: Int64] = [:]
    private var detectors: [VariantKey: DriftDetectionMethod] = [:]
    private var pendingCommit: [KafkaTopicPartition: Int64]?
    /// The label watermark of the current step.
    private var labelsKnownUntil: Int64?
    private let windowsCounter = Counter(label: SluiceMetrics.conceptWindows)
    private let lateCounter = Counter(label: SluiceMetrics.conceptLatePredictions)
    private(set) var published = 0
    private(set) var joined = 0
    private(set) var late = 0
    private(set) var unreadable = 0

    init(
        plan: DriftMonitorPlan, configuration: DriftMonitorConfiguration, settings: ConceptSettings,
        partitionCounts: [String: Int], producer: KafkaProducer, logger: Logger
    ) {
        self.plan = plan
        self.configuration = configuration
        self.settings = settings
        self.partitionCounts = partitionCounts
        self.producer = producer
        self.logger = logger
        groupID = configuration.groupID + ".concept"
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        labelClock = TumblingWindowClock(
            size: plan.windowSize, allowedLateness: configuration.allowedLateness, idleAfter: configuration.idleAfter)
        predictionClock = labelClock
    }

    private var detectorsKey: String { "\(groupID)/detectors" }
    var isActive: Bool { consumer != nil }
    var openWindows: Int { windows.count }
    var heldPredictions: Int { held.values.reduce(0) { $0 + $1.count } }
    /// The time up to which labels are known, if any.
    func labelWatermark(now: Int64) -> Int64? { labelClock.watermark(now: now) }

    /// Nothing more can happen without new messages: every label partition idle at its end, and
    /// every prediction partition at its end or waiting for labels that cannot come.
    func isIdle(now: Int64) -> Bool {
        guard isActive else { return true }
        let predictionPartitions = Int32(0)..<Int32(partitionCounts[plan.predictionsTopic] ?? 0)
        return labelClock.allIdle(now: now) && pendingCommit == nil
            && predictionPartitions.allSatisfy { predictionsAtEnd.contains($0) || held[$0] != nil }
    }

    /// Starts the lane when `active` and stops it when not; while active, reads what came, joins
    /// what matured, and publishes the windows that closed. Returns the number of messages read.
    func step(active: Bool, now: Int64) throws -> Int {
        if active && consumer == nil { try start() }
        if !active && consumer != nil { stop() }
        guard let consumer else { return 0 }
        let batch = try consumer.poll(maxMessages: 20_000, timeout: .zero)
        for error in batch.errors { logger.warning("drift monitor (concept): \(error)") }
        // Labels first: the time up to which they are known is then taken once for the batch's
        // predictions, not per prediction.
        let isLabel = { (topic: String) in topic == self.settings.labelsTopic }
        for message in batch.messages where isLabel(message.topic) {
            if let time = labels.add(json: message.value) { _ = labelClock.place(time, partition: message.partition) }
        }
        for (partition, _) in batch.reachedEnd where isLabel(partition.topic) {
            labelClock.assign(partition.partition)
            labelClock.reachedEnd(partition.partition, now: now)
        }
        labelsKnownUntil = labelClock.watermark(now: now)
        for message in batch.messages where !isLabel(message.topic) { receive(message) }
        for (partition, _) in batch.reachedEnd where !isLabel(partition.topic) && held[partition.partition] == nil {
            predictionsAtEnd.insert(partition.partition)
            predictionClock.reachedEnd(partition.partition, now: now)
        }
        try releaseMatured()
        noteEnds(consumer, now: now)
        try closeWindows(now: now)
        commitDelivered()
        return batch.messages.count
    }

    func close() { stop() }

    // MARK: - Start and stop

    private func start() throws {
        var consumerConfiguration = KafkaConsumerConfiguration(groupID: groupID, client: configuration.client)
        consumerConfiguration.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        let predictionPartitions = (0..<(partitionCounts[plan.predictionsTopic] ?? 0)).map {
            KafkaTopicPartition(plan.predictionsTopic, Int32($0))
        }
        let committed = try consumer.committed(predictionPartitions)
        let values = committed.isEmpty ? [:] : try ProgressRecords.readValues(configuration, logger: logger)
        var positions: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in predictionPartitions {
            positions[partition] = committed[partition].map { .exact($0) } ?? .beginning
            let resumed = values[ProgressRecords.key(group: groupID, partition)].flatMap {
                ResumePoint(String(decoding: $0, as: UTF8.self))
            }.flatMap { point in point.windowSize == plan.windowSize ? point.progress : nil }
            if let resumed { resumedBefore[partition.partition] = resumed }
            predictionClock.assign(partition.partition, closedBefore: resumed)
        }
        if let value = values[detectorsKey],
            let snapshot = try? DetectorSnapshot.decoder.decode(DetectorSnapshot.self, from: Data(value)),
            snapshot.windowSize == plan.windowSize, snapshot.progress == resumedBefore.values.min()
        {
            detectors = Dictionary(
                snapshot.detectors.map { ($0.key, $0.detector) }, uniquingKeysWith: { first, _ in first })
        }
        for index in 0..<(partitionCounts[settings.labelsTopic] ?? 0) {
            positions[KafkaTopicPartition(settings.labelsTopic, Int32(index))] = .beginning
            labelClock.assign(Int32(index))
        }
        try consumer.assign(positions)
        self.consumer = consumer
        logger.info(
            "drift monitor: this process judges concept drift",
            metadata: [
                "labels": "\(settings.labelsTopic)", "predictions": "\(plan.predictionsTopic)",
                "resumed": "\(committed.count)",
                "versions_with_metrics": "\(settings.reference.validation.values.count { !$0.isEmpty })",
                "reference_deciles": "\(settings.reference.deciles != nil)",
            ])
    }

    private func stop() {
        if let offsets = pendingCommit, (try? producer.flushBlocking(timeout: .seconds(10))) != nil {
            try? consumer?.commit(offsets)
        }
        try? consumer?.close()
        consumer = nil
        pendingCommit = nil
        labelsKnownUntil = nil
        labels = LabelBook()
        labelClock = TumblingWindowClock(
            size: plan.windowSize, allowedLateness: configuration.allowedLateness, idleAfter: configuration.idleAfter)
        predictionClock = labelClock
        held = [:]
        nextOffsets = [:]
        predictionsAtEnd = []
        windows = [:]
        firstOffsets = [:]
        resumedBefore = [:]
        detectors = [:]
    }

    // MARK: - Predictions

    private func receive(_ message: KafkaConsumerMessage) {
        let partition = message.partition
        // A paused partition may be fetched again from before what was held: skip what was seen.
        if let next = nextOffsets[partition], message.offset < next { return }
        if let last = held[partition]?.last, message.offset <= last.offset { return }
        predictionsAtEnd.remove(partition)
        if held[partition] != nil {
            held[partition]!.append(message)
        } else if !join(message) {
            held[partition] = [message]
            try? consumer?.pause([message.topicPartition])
        }
    }

    /// Marks prediction partitions read to their end. A partition paused and resumed at its end
    /// may not report the end again, so the high watermark of the last fetch decides too.
    private func noteEnds(_ consumer: KafkaConsumer, now: Int64) {
        for (partition, next) in nextOffsets where held[partition] == nil && !predictionsAtEnd.contains(partition) {
            guard let high = consumer.cachedWatermarks(KafkaTopicPartition(plan.predictionsTopic, partition))?.high,
                next >= high
            else { continue }
            predictionsAtEnd.insert(partition)
            predictionClock.reachedEnd(partition, now: now)
        }
    }

    /// Joins held predictions that matured since; resumes partitions left with none.
    private func releaseMatured() throws {
        for (partition, messages) in held {
            var index = 0
            while index < messages.count, join(messages[index]) { index += 1 }
            if index == messages.count {
                held[partition] = nil
                try consumer?.resume([KafkaTopicPartition(plan.predictionsTopic, partition)])
            } else if index > 0 {
                held[partition] = Array(messages[index...])
            }
        }
    }

    /// Joins one prediction with its label if it matured; false (nothing changed) when not yet.
    private func join(_ message: KafkaConsumerMessage) -> Bool {
        let partition = message.partition
        guard let record = PredictionRecord(json: message.value) else {
            unreadable += 1
            nextOffsets[partition] = message.offset + 1
            return true
        }
        guard let known = labelsKnownUntil, record.eventTime + settings.labelDelayMax <= known else {
            return false
        }
        nextOffsets[partition] = message.offset + 1
        switch predictionClock.place(record.eventTime, partition: partition) {
        case .late(let start):
            if start >= resumedBefore[partition] ?? Int64.min {
                late += 1
                lateCounter.increment()
            }
            return true
        case .window(let start):
            guard configuration.model.map({ $0 == record.model }) ?? true else { return true }
            let label = labels.label(
                of: record.eventID, eventTime: record.eventTime, asOf: record.eventTime + settings.labelDelayMax,
                maxDelay: settings.labelDelayMax)
            let key = VariantKey(
                model: record.model, variant: record.variant, version: record.version, served: record.served)
            windows[start, default: [:]][key, default: ConceptOutcomes()].add(
                ConceptOutcomes.Outcome(
                    eventTime: record.eventTime, order: StableHash.hash(record.requestID), score: record.score,
                    fraud: (label?.value ?? 0) != 0, labeled: label != nil))
            firstOffsets[start, default: [:]][partition] = min(
                firstOffsets[start]?[partition] ?? message.offset, message.offset)
            joined += 1
            return true
        }
    }

    // MARK: - Closing

    private func closeWindows(now: Int64) throws {
        let moved = predictionClock.close(now: now)
        guard let boundary = moved.map(\.progress).min() else { return }
        for start in windows.keys.sorted() where start < boundary {
            try publish(start, windows.removeValue(forKey: start)!, now: now)
            firstOffsets[start] = nil
        }
        labels.forget(before: boundary - plan.windowSize - configuration.allowedLateness)
        let snapshot = DetectorSnapshot(
            windowSize: plan.windowSize, progress: boundary,
            detectors: detectors.map { DetectorSnapshot.Entry(key: $0.key, detector: $0.value) })
        try producer.enqueue(
            KafkaProducerMessage(
                topic: configuration.progressTopic, partition: 0, key: Array(detectorsKey.utf8),
                value: Array(try DetectorSnapshot.encoder.encode(snapshot))))
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for progress in moved {
            let partition = KafkaTopicPartition(plan.predictionsTopic, progress.partition)
            try producer.enqueue(
                KafkaProducerMessage(
                    topic: configuration.progressTopic, partition: 0,
                    key: Array(ProgressRecords.key(group: groupID, partition).utf8),
                    value: Array(ResumePoint(windowSize: plan.windowSize, progress: progress.progress).text.utf8)))
        }
        for (partition, next) in nextOffsets {
            var offset = next
            for firsts in firstOffsets.values { if let first = firsts[partition] { offset = min(offset, first) } }
            if let first = held[partition]?.first { offset = min(offset, first.offset) }
            offsets[KafkaTopicPartition(plan.predictionsTopic, partition)] = offset
        }
        pendingCommit = offsets
    }

    private func publish(_ start: Int64, _ variants: [VariantKey: ConceptOutcomes], now: Int64) throws {
        let keys = variants.keys.sorted { ($0.model, $0.variant, $0.version) < ($1.model, $1.variant, $1.version) }
        var lines: [String] = []
        for key in keys {
            var detector = detectors[key] ?? DriftDetectionMethod()
            let metrics = ConceptWindowMetrics.compute(
                variants[key]!.sorted(), threshold: settings.threshold, reference: settings.reference.deciles,
                validation: settings.reference.validation[key.version] ?? [:], detector: &detector,
                psiThreshold: settings.psiThreshold)
            detectors[key] = detector
            let record = ConceptWindowRecord(
                monitor: plan.fingerprintText, model: key.model, variant: key.variant, version: key.version,
                served: key.served, windowStart: start, windowEnd: start + plan.windowSize, closedAt: now,
                labelDelayMax: settings.labelDelayMax, metrics: metrics)
            try producer.enqueue(
                KafkaProducerMessage(
                    topic: configuration.driftTopic, partition: 0, key: Array(record.key.utf8),
                    value: Array(try encoder.encode(record))))
            published += 1
            windowsCounter.increment()
            ConceptGauges.record(record)
            var line = "\(record.label) \(metrics.predictions) predictions, \(metrics.fraud) fraud"
            if let auc = metrics.rocAUC { line += ", ROC-AUC \(DriftNumberFormat.number(auc))" }
            if let prAUC = metrics.prAUC { line += ", PR-AUC \(DriftNumberFormat.number(prAUC))" }
            if metrics.conditionalShift { line += ", P(Y|X) moved in \(metrics.shifts.count) deciles" }
            if (metrics.detector?.drifts ?? 0) > 0 { line += ", DDM drift" }
            lines.append(line)
        }
        logger.info(
            "concept window \(TimeText.iso(start)) to \(TimeText.iso(start + plan.windowSize)): \(lines.joined(separator: "; "))"
        )
    }

    /// Commits the last close's offsets once its records are delivered.
    private func commitDelivered() {
        guard let offsets = pendingCommit, producer.outstandingCount == 0, let consumer else { return }
        pendingCommit = nil
        do {
            try consumer.commit(offsets, waitForBroker: false)
        } catch {
            logger.warning("drift monitor (concept): could not commit (the windows will be judged again): \(error)")
        }
    }
}
