import Foundation
import Logging
import Metrics
import SluiceDrift
import SluiceKafka
import SluiceRuntime

/// The merging side of the monitor: in the group `<group>.merge` on the one-partition parts
/// topic, so that exactly one process of the group holds it at a time. It adds up the parts of
/// every source partition (`WindowMerger`), compares each whole window with the reference,
/// publishes the result to the drift topic, sets the gauges and logs a line per window. It
/// commits the parts topic only where no window waits for parts, so that a process that takes
/// over misses nothing; windows it publishes again after a takeover are identical.
///
/// Runs on the monitor's dedicated thread; not thread-safe.
final class WindowPublisher {
    private enum Notice: Sendable {
        /// The group was joined with nothing for this process (another process merges).
        case joined
        case assigned
        case revoked
    }

    private let plan: DriftMonitorPlan
    private let configuration: DriftMonitorConfiguration
    private let partitionCounts: [String: Int]
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let logger: Logger
    private let notices = RebalanceNotices<Notice>()
    private var merger: WindowMerger?
    private var quietOffset: Int64?
    private var committedOffset: Int64?
    private var lastCommit = ContinuousClock.now
    /// Per (topic, window): the columns published so far and those that drifted.
    private var windowColumns: [String: (published: Int, drifted: [String])] = [:]
    private var newestClosedEnd: Int64?
    private let encoder: JSONEncoder
    /// Per numeric column, the frozen bins its parts are decoded with.
    private let numericBins: [String: QuantileBins]
    private let psiGauges: [String: Gauge]
    private let jsGauges: [String: Gauge]
    private let detectedGauges: [String: Gauge]
    private let windowLag = Gauge(label: SluiceMetrics.driftWindowLag)
    private let windowsCounter = Counter(label: SluiceMetrics.driftWindows)
    private(set) var published = 0
    private(set) var foreignParts = 0

    init(
        plan: DriftMonitorPlan, configuration: DriftMonitorConfiguration, partitionCounts: [String: Int],
        producer: KafkaProducer, logger: Logger
    ) throws(KafkaError) {
        self.plan = plan
        self.configuration = configuration
        self.partitionCounts = partitionCounts
        self.producer = producer
        self.logger = logger
        numericBins = Dictionary(
            plan.reference.columns.compactMap { column in
                column.kind == .numeric ? (column.name, column.bins ?? QuantileBins(innerEdges: [])) : nil
            }, uniquingKeysWith: { first, _ in first })
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let names = plan.reference.columns.map(\.name)
        func gauges(_ label: String) -> [String: Gauge] {
            Dictionary(uniqueKeysWithValues: names.map { ($0, Gauge(label: label, dimensions: [("column", $0)])) })
        }
        psiGauges = gauges(SluiceMetrics.driftPSI)
        jsGauges = gauges(SluiceMetrics.driftJS)
        detectedGauges = gauges(SluiceMetrics.driftDetected)
        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: configuration.groupID + ".merge", client: configuration.client)
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.reportPartitionEnd = false
        let notices = self.notices
        consumer = try KafkaConsumer(
            configuration: consumerConfiguration, logger: logger,
            rebalanceHandler: { event in
                switch event {
                case .assigned(let partitions): notices.append(partitions.isEmpty ? .joined : .assigned)
                case .revoked(let partitions): if !partitions.isEmpty { notices.append(.revoked) }
                }
                return [:]
            })
        try consumer.subscribe(topics: [configuration.partsTopic])
    }

    /// This process merges (it holds the parts topic).
    var isMerging: Bool { merger != nil }
    /// The merge group has given this process its share (perhaps nothing): until then, whether
    /// it will merge is not known, and a run `--until-idle` must not end. A revocation makes it
    /// unknown again: a process that left the group (a poll later than `max.poll.interval.ms`, on
    /// a starved machine) rejoins at its next poll and may get the parts back.
    private(set) var hasJoined = false
    /// Windows waiting for parts.
    var pendingWindows: Int { merger?.pendingWindows ?? 0 }

    /// Reads the parts that came, publishes the windows they complete, and commits at a quiet
    /// point. Returns the number of parts read.
    func step(now: Int64) throws -> Int {
        let batch = try consumer.poll(maxMessages: 2_000, timeout: .zero)
        applyNotices()
        for error in batch.errors { logger.warning("drift monitor (merge): \(error)") }
        for message in batch.messages {
            guard merger != nil else { continue }
            try receive(message, now: now)
            if merger!.isQuiet { quietOffset = message.offset + 1 }
        }
        if let newestClosedEnd { windowLag.record(Double(now - newestClosedEnd) / 1000) }
        if let quietOffset, quietOffset != committedOffset, ContinuousClock.now - lastCommit > .seconds(1) {
            try producer.flushBlocking(timeout: .seconds(60))
            lastCommit = .now
            if let error = commit(quietOffset) {
                // A process that lost its membership (a step longer than max.poll.interval.ms on a
                // starved machine) commits with a stale member id until it has rejoined. The
                // offset is committed again next time; until then a restart re-reads parts, which
                // republishes the same records.
                guard error.code == .commitFailed else { throw error }
                logger.warning("drift monitor (merge): \(error); committing again after the next step")
            } else {
                committedOffset = quietOffset
            }
        }
        return batch.messages.count
    }

    /// Commits the parts topic's offset; the error, if the commit failed.
    private func commit(_ offset: Int64) -> KafkaError? {
        do {
            try consumer.commit([KafkaTopicPartition(configuration.partsTopic, 0): offset])
            return nil
        } catch {
            return error
        }
    }

    func close() {
        try? producer.flushBlocking(timeout: .seconds(10))
        if let quietOffset, quietOffset != committedOffset {
            try? consumer.commit([KafkaTopicPartition(configuration.partsTopic, 0): quietOffset])
        }
        try? consumer.close()
    }

    private func applyNotices() {
        for notice in notices.drain() {
            switch notice {
            case .joined: hasJoined = true
            case .assigned:
                hasJoined = true
                merger = WindowMerger(
                    columns: plan.columns.indices.map { index in
                        let column = plan.reference.columns[index]
                        return WindowMerger.Column(
                            name: column.name,
                            topic: plan.transactionColumns.contains(index)
                                ? plan.transactionsTopic : plan.predictionsTopic,
                            empty: column.emptyState(sampleCapacity: plan.sampleCapacity))
                    }, partitionCounts: partitionCounts)
                quietOffset = nil
                committedOffset = nil
                logger.info(
                    "drift monitor: this process merges the windows", metadata: ["topic": "\(configuration.partsTopic)"]
                )
            case .revoked:
                merger = nil
                windowColumns = [:]
                hasJoined = false
            }
        }
    }

    private func receive(_ message: KafkaConsumerMessage, now: Int64) throws {
        let part: WindowPart
        do {
            part = try WindowPartCodec.decode(message.value) { numericBins[$0] }
        } catch {
            logger.warning("drift monitor: unreadable window part at offset \(message.offset): \(error)")
            return
        }
        guard part.monitor == plan.fingerprint else {
            foreignParts += 1
            if foreignParts == 1 {
                logger.warning(
                    "drift monitor: parts of another monitor (another reference, window or sample size) on \(configuration.partsTopic) are ignored; give each monitor its own --group and parts topic"
                )
            }
            return
        }
        for closed in merger!.receive(part) ?? [] { try publish(closed, now: now) }
    }

    private func publish(_ closed: WindowMerger.ClosedWindow, now: Int64) throws {
        let windowEnd = closed.window + plan.windowSize
        let windowKey = "\(closed.topic)@\(closed.window)"
        guard case .complete(let state) = closed.outcome,
            let index = plan.reference.columns.firstIndex(where: { $0.name == closed.column })
        else {
            if case .incomplete(let missing) = closed.outcome {
                logger.warning(
                    "drift monitor: window \(TimeText.iso(closed.window)) of \(closed.column) is incomplete (parts of partitions \(missing) came before this process took over merging); not published"
                )
            }
            return
        }
        let comparison = ColumnComparison.window(
            reference: plan.reference.columns[index], state: state, policy: plan.settings.policy)
        let record = DriftWindowRecord(
            monitor: plan.fingerprintText, topic: closed.topic, column: closed.column, windowStart: closed.window,
            windowEnd: windowEnd, closedAt: now, comparison: comparison)
        try producer.enqueue(
            KafkaProducerMessage(
                topic: configuration.driftTopic, partition: 0, key: Array(record.key.utf8),
                value: Array(try encoder.encode(record))))
        published += 1
        windowsCounter.increment()
        if let psi = comparison.psi { psiGauges[closed.column]?.record(psi) }
        if let js = comparison.js { jsGauges[closed.column]?.record(js) }
        let drifted = comparison.decision?.drifted == true
        detectedGauges[closed.column]?.record(drifted ? 1 : 0)
        newestClosedEnd = max(newestClosedEnd ?? windowEnd, windowEnd)
        var summary = windowColumns[windowKey] ?? (0, [])
        summary.published += 1
        if drifted, let decision = comparison.decision {
            summary.drifted.append(
                "\(closed.column) (\(decision.method.rawValue) \(DriftNumberFormat.number(decision.value)))")
        }
        windowColumns[windowKey] = summary
        let expected = plan.columnIndexes(of: closed.topic).count
        if summary.published == expected {
            windowColumns[windowKey] = nil
            let verdict =
                summary.drifted.isEmpty
                ? "no drift"
                : "drift in \(summary.drifted.count) of \(expected): \(summary.drifted.joined(separator: ", "))"
            logger.info(
                "drift window \(TimeText.iso(closed.window)) to \(TimeText.iso(windowEnd)) on \(closed.topic): \(state.rows) events, \(verdict)"
            )
        }
    }
}
