import Foundation
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
    /// Offsets to commit once the parts and progress records produced before them are delivered.
    private var pendingCommit: [KafkaTopicPartition: Int64]?
    /// Per resumed partition, the progress its last progress record gave.
    private var resumedBefore: [Key: Int64] = [:]
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
    /// Places the partitions of a batch side by side, one thread per core.
    private let parallel = ParallelTasks(
        threads: ProcessInfo.processInfo.activeProcessorCount, name: "sluice-drift")
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
        decoder = EventDecoder(topology: topology)
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

    /// One partition's messages of a batch with the partition's clock and windows, taken out so
    /// that partitions are placed and counted side by side.
    private struct Lane {
        var key: Key
        var clock: TumblingWindowClock<Key>.PartitionClock
        var windows: PartitionWindows
        var messages: [Int] = []
        /// Windows before this were published before the partition was resumed: their events
        /// are read again only because the committed offset lies before them.
        var resumedBefore: Int64
        var events = 0
        var late = 0
        var rejected = 0
    }

    /// Reads one batch, closes what the watermark allows, publishes and commits. Returns the
    /// number of messages read.
    func step(now: Int64) throws -> Int {
        let batch = try consumer.poll(maxMessages: 50_000, timeout: .milliseconds(50))
        try applyNotices()
        for error in batch.errors { logger.warning("drift monitor: \(error)") }
        var lanes = makeLanes(batch.messages)
        let messages = batch.messages
        lanes.withUnsafeMutableBufferPointer { buffer in
            let lanes = buffer
            parallel.run(order: Array(lanes.indices).sorted { lanes[$0].messages.count > lanes[$1].messages.count }) {
                index in self.process(&lanes[index], messages)
            }
        }
        for lane in lanes {
            clock.attach(lane.key, lane.clock)
            windows[lane.key] = lane.windows
            if let last = lane.messages.last { nextOffsets[lane.key] = messages[last].offset + 1 }
            reachedEnd.remove(lane.key)
            events += lane.events
            late += lane.late
            rejected += lane.rejected
            eventsCounters[lane.key.topic].increment(by: lane.events)
            if lane.late > 0 { lateCounter.increment(by: lane.late) }
            if lane.rejected > 0 { rejectedCounters[lane.key.topic].increment(by: lane.rejected) }
        }
        for (topicPartition, _) in batch.reachedEnd {
            guard let key = key(topicPartition), windows[key] != nil else { continue }
            reachedEnd.insert(key)
            clock.reachedEnd(key, now: now)
        }
        if let watermark = clock.watermark(now: now) {
            watermarkLag.record(Double(now - watermark) / 1000)
        }
        try closeWindows(now: now)
        commitDelivered()
        return batch.messages.count
    }

    /// Groups the batch's messages by partition (messages of partitions no longer assigned are
    /// dropped) and takes each partition's clock and windows out.
    private func makeLanes(_ messages: [KafkaConsumerMessage]) -> [Lane] {
        var lanes: [Lane] = []
        var laneOf: [Key: Int] = [:]
        var current: (partition: KafkaTopicPartition, lane: Int?)?
        for (index, message) in messages.enumerated() {
            let topicPartition = message.topicPartition
            if current?.partition != topicPartition {
                var lane: Int?
                if let key = key(topicPartition) {
                    if let existing = laneOf[key] {
                        lane = existing
                    } else if let partitionClock = clock.detach(key),
                        let partitionWindows = windows.removeValue(forKey: key)
                    {
                        lanes.append(
                            Lane(
                                key: key, clock: partitionClock, windows: partitionWindows,
                                resumedBefore: resumedBefore[key] ?? Int64.min))
                        lane = lanes.count - 1
                        laneOf[key] = lane
                    }
                }
                current = (topicPartition, lane)
            }
            if let lane = current!.lane { lanes[lane].messages.append(index) }
        }
        return lanes
    }

    /// Places and counts one partition's messages; runs on any thread, touching only `lane`.
    private func process(_ lane: inout Lane, _ messages: [KafkaConsumerMessage]) {
        let isTransactions = lane.key.topic == transactionsTopicIndex
        for index in lane.messages {
            if isTransactions {
                ingestTransaction(messages[index], into: &lane)
            } else {
                ingestPrediction(messages[index], into: &lane)
            }
        }
    }

    /// Commits the offsets of the last close once every part and progress record produced so far
    /// is delivered: a partition's committed offset never passes events whose window is not on
    /// the parts topic, nor a progress the progress topic does not hold.
    private func commitDelivered() {
        guard let offsets = pendingCommit, producer.outstandingCount == 0 else { return }
        pendingCommit = nil
        do {
            try consumer.commit(offsets, waitForBroker: false)
        } catch {
            logger.warning(
                "drift monitor: could not commit \(offsets.count) partitions (they will be read again): \(error)")
        }
    }

    /// Delivers the parts of closed windows, commits them, and leaves the group; open windows are
    /// read again by the next owner.
    func close() {
        parallel.stop()
        if pendingCommit != nil, (try? producer.flushBlocking(timeout: .seconds(10))) != nil,
            let offsets = pendingCommit
        {
            try? consumer.commit(offsets)
        }
        try? consumer.close()
    }

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
                    resumedBefore[key] = nil
                    reachedEnd.remove(key)
                    clock.revoke(key)
                }
                logger.info("drift monitor: partitions revoked", metadata: ["partitions": "\(partitions)"])
            case .assigned(let partitions):
                let committed = try consumer.committed(partitions)
                let progress = committed.isEmpty ? [:] : try ProgressRecords.read(configuration, logger: logger)
                for partition in partitions {
                    guard let key = key(partition) else { continue }
                    let columns = plan.columnIndexes(of: partition.topic).map { index in
                        (
                            plan.reference.columns[index].name,
                            plan.reference.columns[index].emptyState(
                                sampleCapacity: plan.sampleCapacity)
                        )
                    }
                    // Read from the start: every window is whole from here. Resumed with the
                    // progress a previous reader recorded: whole from there. Resumed without
                    // (another window size): unknown, and the merger takes the first parts as
                    // the start of what it knows.
                    let previous: Int64?
                    if committed[partition] != nil {
                        previous = progress[ProgressRecords.key(group: configuration.groupID, partition)].flatMap {
                            point in point.windowSize == plan.windowSize ? point.progress : nil
                        }
                    } else {
                        previous = WindowPart.fromStart
                    }
                    windows[key] = PartitionWindows(
                        topic: partition.topic, partition: partition.partition, columns: columns,
                        previousProgress: previous)
                    let resumed = previous.flatMap { $0 == WindowPart.fromStart ? nil : $0 }
                    resumedBefore[key] = resumed
                    clock.assign(key, closedBefore: resumed)
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

    private func ingestTransaction(_ message: KafkaConsumerMessage, into lane: inout Lane) {
        let event: DecodedEvent
        switch decoder.decode(message.value, messageTimestamp: message.timestamp) {
        case .success(let decoded): event = decoded
        case .failure:
            lane.rejected += 1
            return
        }
        guard let window = place(event.eventTime, in: &lane) else { return }
        let sampleKey = StableHash.hash(event.values[eventIDField])
        let slots = self.slots[lane.key.topic]
        lane.windows.update(window: window, offset: message.offset) { states in
            for (slot, spec) in slots.enumerated() {
                let value = event.values[spec.field]
                switch spec.kind {
                case .numeric: states[slot].add(spec.asCategory ? nil : value.doubleValue, key: sampleKey)
                case .categorical: states[slot].add(category: Self.category(value))
                }
            }
        }
    }

    private func ingestPrediction(_ message: KafkaConsumerMessage, into lane: inout Lane) {
        guard let record = PredictionFields(json: message.value) else {
            lane.rejected += 1
            return
        }
        guard record.served, configuration.model.map({ $0 == record.model }) ?? true else { return }
        guard let window = place(record.eventTime, in: &lane) else { return }
        let sampleKey = StableHash.hash(record.requestID)
        let slots = self.slots[lane.key.topic]
        lane.windows.update(window: window, offset: message.offset) { states in
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
    private func place(_ time: Int64, in lane: inout Lane) -> Int64? {
        lane.events += 1
        switch lane.clock.place(time, windowSize: plan.windowSize) {
        case .window(let start): return start
        case .late(let start):
            if start < lane.resumedBefore {
                lane.events -= 1  // published before the partition was resumed: not counted again
            } else {
                lane.late += 1
            }
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
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for (key, partitionWindows) in windows {
            let partition = KafkaTopicPartition(plan.topics[key.topic], key.partition)
            if let progress = partitionWindows.previousProgress, moved.contains(where: { $0.partition == key }) {
                try producer.enqueue(
                    KafkaProducerMessage(
                        topic: configuration.progressTopic, partition: 0,
                        key: Array(ProgressRecords.key(group: configuration.groupID, partition).utf8),
                        value: Array(ResumePoint(windowSize: plan.windowSize, progress: progress).text.utf8)))
            }
            guard let next = nextOffsets[key] else { continue }
            offsets[partition] = partitionWindows.commitOffset(next: next)
        }
        // Committed once the parts and progress records are delivered (`commitDelivered`),
        // without holding the loop up.
        pendingCommit = offsets
        logger.debug(
            "drift monitor: closed windows", metadata: ["parts": "\(parts)", "partitions": "\(moved.count)"])
    }
}
