import Logging
import Metrics
import SluiceCore
import SluiceDrift
import SluiceKafka
import SluiceRuntime

/// The source side of the monitor: reads its share of the source topics' partitions (consumer
/// group), keeps per partition and open window the state of every monitored column, and when the
/// watermark closes windows, publishes each partition's parts to the parts topic and commits the
/// partitions at the first event of their oldest window still open. A process that takes a
/// partition over re-reads from there, so no window is published with events missing.
///
/// Runs on the monitor's dedicated thread; not thread-safe.
final class SourceWindows {
    /// A source partition as the clock keys it: the topic by its index in `plan.topics`.
    struct Key: Hashable, Sendable {
        var topic: Int
        var partition: Int32
    }

    private enum Notice: Sendable {
        case assigned([KafkaTopicPartition])
        case revoked([KafkaTopicPartition])
    }

    private let plan: DriftMonitorPlan
    private let configuration: DriftMonitorConfiguration
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let logger: Logger
    private let decoder: EventDecoder
    private let eventIDField: Int
    private let notices = RebalanceNotices<Notice>()
    private var clock: TumblingWindowClock<Key>
    private var windows: [Key: PartitionWindows] = [:]
    /// The offset after the last message read, per partition.
    private var nextOffsets: [Key: Int64] = [:]
    private var reachedEnd: Set<Key> = []
    /// What fills one state of a partition's window: the column's kind and where its value is.
    private struct Slot {
        var kind: ColumnKind
        var asCategory: Bool
        /// The source field's index, or -1 for a prediction's value.
        var field: Int
        /// The feature's name; nil for the score (or a field).
        var feature: String?
    }

    /// Per topic index, the slots of its partitions' states.
    private let slots: [[Slot]]
    private let transactionsTopicIndex: Int?
    private let eventsCounters: [Counter]
    private let rejectedCounters: [Counter]
    private let lateCounter = Counter(label: SluiceMetrics.driftLateEvents)
    private let watermarkLag = Gauge(label: SluiceMetrics.driftWatermarkLag)
    private(set) var events = 0
    private(set) var late = 0
    private(set) var rejected = 0

    init(
        plan: DriftMonitorPlan, configuration: DriftMonitorConfiguration, topology: Topology, producer: KafkaProducer,
        logger: Logger
    ) throws(KafkaError) {
        self.plan = plan
        self.configuration = configuration
        self.producer = producer
        self.logger = logger
        decoder = EventDecoder(source: topology.source, entityFields: [])
        eventIDField = topology.source.fieldIndex(topology.source.eventIdField) ?? 0
        clock = TumblingWindowClock(
            size: plan.windowSize, allowedLateness: configuration.allowedLateness,
            idleAfter: configuration.idleAfter)
        slots = plan.topics.map { topic in
            plan.columnIndexes(of: topic).map { index in
                let column = plan.columns[index]
                var slot = Slot(
                    kind: plan.reference.columns[index].kind, asCategory: column.numbersAsCategories, field: -1)
                switch column.source {
                case .field(let field): slot.field = field
                case .feature(let name): slot.feature = name
                case .score: break
                }
                return slot
            }
        }
        transactionsTopicIndex = plan.topics.firstIndex(of: plan.transactionsTopic).flatMap {
            plan.transactionColumns.isEmpty ? nil : $0
        }
        eventsCounters = plan.topics.map { Counter(label: SluiceMetrics.driftEvents, dimensions: [("topic", $0)]) }
        rejectedCounters = plan.topics.map {
            Counter(label: SluiceMetrics.driftRejected, dimensions: [("topic", $0)])
        }
        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: configuration.groupID, client: configuration.client)
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.reportPartitionEnd = true
        let notices = self.notices
        consumer = try KafkaConsumer(
            configuration: consumerConfiguration, logger: logger,
            rebalanceHandler: { event in
                switch event {
                case .assigned(let partitions): notices.append(.assigned(partitions))
                case .revoked(let partitions): notices.append(.revoked(partitions))
                }
                return [:]
            })
        try consumer.subscribe(topics: plan.topics)
    }

    var assignedPartitions: Int { windows.count }
    var openWindows: Int { windows.values.reduce(0) { $0 + $1.openWindows } }
    var allAtEnd: Bool { !windows.isEmpty && windows.keys.allSatisfy { reachedEnd.contains($0) } }
    func watermark(now: Int64) -> Int64? { clock.watermark(now: now) }
    /// Every assigned partition is idle: at its end for the idle time.
    func isIdle(now: Int64) -> Bool { clock.allIdle(now: now) }

    /// Reads one batch, closes what the watermark allows, publishes and commits. Returns the
    /// number of messages read.
    func step(now: Int64) throws -> Int {
        let batch = try consumer.poll(maxMessages: 20_000, timeout: .milliseconds(50))
        try applyNotices()
        for error in batch.errors { logger.warning("drift monitor: \(error)") }
        var current: (partition: KafkaTopicPartition, key: Key)?
        for message in batch.messages {
            let topicPartition = message.topicPartition
            if current?.partition != topicPartition {
                guard let topic = plan.topics.firstIndex(of: message.topic) else { continue }
                current = (topicPartition, Key(topic: topic, partition: message.partition))
            }
            let key = current!.key
            guard windows[key] != nil else { continue }  // revoked during the poll
            reachedEnd.remove(key)
            nextOffsets[key] = message.offset + 1
            if key.topic == transactionsTopicIndex {
                ingestTransaction(message, key: key)
            } else {
                ingestPrediction(message, key: key)
            }
        }
        for (topicPartition, _) in batch.reachedEnd {
            guard let topic = plan.topics.firstIndex(of: topicPartition.topic) else { continue }
            let key = Key(topic: topic, partition: topicPartition.partition)
            reachedEnd.insert(key)
            clock.reachedEnd(key, now: now)
        }
        if let watermark = clock.watermark(now: now) {
            watermarkLag.record(Double(now - watermark) / 1000)
        }
        try closeWindows(now: now)
        return batch.messages.count
    }

    /// Commits nothing more and leaves the group; open windows are read again by the next owner.
    func close() { try? consumer.close() }

    // MARK: - Assignment

    private func applyNotices() throws {
        let pending = notices.drain()
        for notice in pending {
            switch notice {
            case .revoked(let partitions):
                for partition in partitions {
                    guard let key = key(partition) else { continue }
                    windows[key] = nil
                    nextOffsets[key] = nil
                    reachedEnd.remove(key)
                    clock.revoke(key)
                }
                logger.info("drift monitor: partitions revoked", metadata: ["partitions": "\(partitions)"])
            case .assigned(let partitions):
                let committed = try consumer.committed(partitions)
                for partition in partitions {
                    guard let key = key(partition) else { continue }
                    let columns = plan.columnIndexes(of: partition.topic).map { index in
                        (
                            plan.reference.columns[index].name,
                            plan.reference.columns[index].emptyState(
                                sampleCapacity: plan.sampleCapacity)
                        )
                    }
                    windows[key] = PartitionWindows(
                        topic: partition.topic, partition: partition.partition, columns: columns,
                        previousProgress: committed[partition] == nil ? WindowPart.fromStart : nil)
                    clock.assign(key)
                }
                logger.info(
                    "drift monitor: partitions assigned",
                    metadata: ["partitions": "\(partitions)", "resumed": "\(committed.count)"])
            }
        }
    }

    private func key(_ partition: KafkaTopicPartition) -> Key? {
        plan.topics.firstIndex(of: partition.topic).map { Key(topic: $0, partition: partition.partition) }
    }

    // MARK: - Events

    private func ingestTransaction(_ message: KafkaConsumerMessage, key: Key) {
        let event: DecodedEvent
        switch decoder.decode(message.value, messageTimestamp: message.timestamp) {
        case .success(let decoded): event = decoded
        case .failure:
            rejected += 1
            rejectedCounters[key.topic].increment()
            return
        }
        guard let window = place(event.eventTime, key: key) else { return }
        let sampleKey = StableHash.hash(event.values[eventIDField])
        let slots = self.slots[key.topic]
        windows[key]!.update(window: window, offset: message.offset) { states in
            for (slot, spec) in slots.enumerated() {
                let value = event.values[spec.field]
                switch spec.kind {
                case .numeric: states[slot].add(spec.asCategory ? nil : value.doubleValue, key: sampleKey)
                case .categorical: states[slot].add(category: Self.category(value))
                }
            }
        }
    }

    private func ingestPrediction(_ message: KafkaConsumerMessage, key: Key) {
        guard let record = PredictionFields(json: message.value) else {
            rejected += 1
            rejectedCounters[key.topic].increment()
            return
        }
        guard record.served, configuration.model.map({ $0 == record.model }) ?? true else { return }
        guard let window = place(record.eventTime, key: key) else { return }
        let sampleKey = StableHash.hash(record.requestID)
        let slots = self.slots[key.topic]
        windows[key]!.update(window: window, offset: message.offset) { states in
            for (slot, spec) in slots.enumerated() {
                let value = spec.feature.map { record.features[$0] ?? nil } ?? record.score
                switch spec.kind {
                case .numeric: states[slot].add(spec.asCategory ? nil : value, key: sampleKey)
                case .categorical: states[slot].add(category: value.flatMap(DriftMonitorSettings.categoryText))
                }
            }
        }
    }

    /// The event's window, or nil (counted) when its partition closed it already.
    private func place(_ time: Int64, key: Key) -> Int64? {
        events += 1
        eventsCounters[key.topic].increment()
        switch clock.place(time, partition: key) {
        case .window(let start): return start
        case .late:
            late += 1
            lateCounter.increment()
            return nil
        }
    }

    static func category(_ value: FieldValue) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): DriftMonitorSettings.categoryText(number)
        case .bool(let flag): flag ? "true" : "false"
        }
    }

    // MARK: - Closing

    private func closeWindows(now: Int64) throws {
        let moved = clock.close(now: now)
        guard !moved.isEmpty else { return }
        var parts = 0
        for progress in moved {
            guard var partitionWindows = windows[progress.partition] else { continue }
            for part in partitionWindows.close(
                before: progress.progress, windowSize: plan.windowSize, monitor: plan.fingerprint)
            {
                try producer.enqueue(
                    KafkaProducerMessage(
                        topic: configuration.partsTopic, partition: 0,
                        key: Array("\(part.topic):\(part.partition)".utf8),
                        value: WindowPartCodec.encode(part)))
                parts += 1
            }
            windows[progress.partition] = partitionWindows
        }
        try producer.flushBlocking(timeout: .seconds(60))
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for (key, partitionWindows) in windows {
            guard let next = nextOffsets[key] else { continue }
            offsets[KafkaTopicPartition(plan.topics[key.topic], key.partition)] = partitionWindows.commitOffset(
                next: next)
        }
        try consumer.commit(offsets)
        logger.debug(
            "drift monitor: closed windows", metadata: ["parts": "\(parts)", "partitions": "\(moved.count)"])
    }
}
