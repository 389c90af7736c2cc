import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// Settings of `sluice replay`.
public struct ReplayConfiguration: Sendable {
    /// Where rows start.
    public enum Start: Sendable, Equatable {
        /// The first offset of every partition.
        case beginning
        /// This offset of every partition (no warm-up: state starts empty there).
        case offset(Int64)
        /// Messages whose Kafka timestamp is at or after this time (epoch ms). State is warmed up
        /// from `warmUp` earlier, so the first rows see the same windows a live run would.
        case time(Int64)
    }

    /// Where rows stop.
    public enum End: Sendable, Equatable {
        /// The end of each partition when the replay reaches it.
        case end
        /// Before the first message of a partition whose Kafka timestamp is at or after this time.
        case time(Int64)
    }

    public var connection: ConnectionSettings
    public var start: Start = .beginning
    public var end: End = .end
    public var output: FeatureLogOptions
    /// Progress: a bar on a terminal, a line per interval otherwise; nil prints nothing.
    public var progressInterval: Duration? = .seconds(2)
    /// Messages read per poll. Default 10 000.
    public var pollMessages: Int = 10_000
    /// Threads running the pipeline's tasks (view shards, rows, decoding) side by side; the
    /// default is the number of cores. The rows do not depend on it.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    public init(connection: ConnectionSettings, output: FeatureLogOptions) {
        self.connection = connection
        var output = output
        output.staging = false
        self.output = output
    }
}

/// What a replay did.
public struct ReplaySummary: Sendable {
    public var messages = 0
    public var rows = 0
    public var rejected: [RejectionReason: Int] = [:]
    public var files = 0
    public var seconds = 0.0
}

/// Rebuilds the feature log from the topic, without touching the online store: the same decoder,
/// lateness rule, log rows and tile updates as `sluice run` (`EventStep`), with state in memory.
///
/// Partitions are merged in (Kafka timestamp, partition, offset) order, an order fixed by the
/// topic's contents, so two replays of a range give identical rows. Views keyed like the topic
/// (each entity in one partition) match what the live engine logged exactly; views whose
/// entities span partitions see the other partitions' events in that merged order, where the
/// live engine saw them in the order its batches arrived.
public final class Replay: Sendable {
    public let compiled: CompiledTopology
    public let configuration: ReplayConfiguration
    private let logger: Logger
    private let step: EventStep

    public init(compiled: CompiledTopology, configuration: ReplayConfiguration, logger: Logger) {
        self.compiled = compiled
        self.configuration = configuration
        self.logger = logger
        self.step = EventStep(topology: compiled.topology, layouts: compiled.layouts)
    }

    /// The event-time span before a `--from` time whose events only warm the state up: the
    /// longest window, one of its tiles and the allowed lateness of any view.
    public var warmUp: Int64 {
        compiled.layouts.map { layout in
            (layout.groups.map { $0.longestWindow + $0.tileSize }.max() ?? 0) + layout.view.allowedLateness
        }.max() ?? 0
    }

    /// Runs the replay to the end of its range on a thread of its own.
    public func run() async throws -> ReplaySummary {
        let topic = compiled.topology.source.topic
        let admin = try KafkaAdmin(configuration: configuration.connection.kafkaClient)
        let partitions = try await admin.metadata().topic(topic)?.partitions.sorted() ?? []
        guard !partitions.isEmpty else { throw OfflineError(.topicMissing, "topic '\(topic)' does not exist or has no partitions") }
        return try await DedicatedThread.run(name: "sluice.replay") { try self.runBlocking(partitions: partitions) }
    }

    private func runBlocking(partitions: [Int32]) throws -> ReplaySummary {
        let started = ContinuousClock.now
        let topic = compiled.topology.source.topic
        let client = configuration.connection.kafkaClient

        var consumerConfiguration = KafkaConsumerConfiguration(groupID: "sluice-replay-\(UUID().uuidString.prefix(8))", client: client)
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.reportPartitionEnd = true
        consumerConfiguration.preferPromptFetches()
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        defer { try? consumer.close() }
        let topicPartitions = partitions.map { KafkaTopicPartition(topic, $0) }
        switch configuration.start {
        case .beginning:
            try consumer.assign(Dictionary(uniqueKeysWithValues: topicPartitions.map { ($0, KafkaOffset.beginning) }))
        case .offset(let offset):
            try consumer.assign(Dictionary(uniqueKeysWithValues: topicPartitions.map { ($0, KafkaOffset.exact(offset)) }))
        case .time(let time):
            try consumer.assign(partitions: topicPartitions, fromTimestamp: time - warmUp)
        }

        let log = try FeatureLogWriter(options: configuration.output, topology: compiled.topology, fingerprint: compiled.fingerprint, logger: logger)
        for partition in partitions { try log.open(partition: partition, resumeAt: 0) }
        // Each view is split into shards by entity, so that one busy view can use every core; twice
        // as many shards as threads leave room to even out a shard holding a very busy entity.
        let shards = configuration.threads > 1 ? 2 * configuration.threads : 1
        let merge = ReplayMerge(
            partitions: partitions, consumer: consumer, pollMessages: configuration.pollMessages, logger: logger, decoder: compiled.decoder,
            step: step, shards: shards, end: configuration.end
        ) { [configuration] message in
            switch configuration.start {
            case .beginning: true
            case .offset(let offset): message.offset >= offset
            case .time(let time): (message.timestamp ?? .min) >= time
            }
        }
        let outputs = step.layouts.indices.map { ViewFeatures(width: step.logFeatureCount(view: $0)) }
        let views = step.layouts.indices.flatMap { view in
            (0..<shards).map { ReplayView(view: view, shard: $0, of: shards, step: step, output: outputs[view]) }
        }
        let rows = ReplayRows(log: log, step: step, outputs: outputs)
        let tasks = ParallelTasks(threads: configuration.threads, name: "sluice.replay")
        defer { tasks.stop() }
        var progress = ReplayProgress(interval: configuration.progressInterval)

        // A pipeline of batches in merge order: while the view shards go through batch n (each on
        // one thread, in batch order), batch n-1's rows are written and batch n+1 is decoded.
        var toProcess: [ReplayEvent] = []
        var toWrite: [ReplayEvent] = []
        var parity = 0
        var waitedForBroker = Duration.zero
        while true {
            if toProcess.isEmpty && toWrite.isEmpty && merge.needsMessages {
                // Nothing else to do: wait for the broker here (the decode task only takes what is there).
                let waitStarted = ContinuousClock.now
                try merge.poll(timeout: .milliseconds(200))
                waitedForBroker += .now - waitStarted
            }
            let processing = toProcess, writing = toWrite, processParity = parity
            let rowCount = processing.last.map { $0.row + 1 } ?? 0
            for output in outputs { output.reserve(rows: rowCount, parity: processParity) }
            var order: [(task: Int, time: Duration)] = []
            if !processing.isEmpty { order += views.indices.map { ($0, views[$0].time.last) } }
            if !writing.isEmpty { order.append((views.count, rows.time.last)) }
            order.append((views.count + 1, merge.time.last))
            tasks.run(order: order.sorted { $0.time > $1.time }.map(\.task)) { task in
                switch task {
                case views.count: rows.write(writing, parity: 1 - processParity)
                case views.count + 1: merge.decodeNext(limit: Self.batchSize)
                default: views[task].process(processing, parity: processParity)
                }
            }
            if let error = rows.error ?? merge.error { throw error }
            toWrite = toProcess
            toProcess = merge.batch
            parity = 1 - parity
            progress.report(messages: merge.messages, rows: rows.count, queues: merge.queues, consumer: consumer, topic: topic)
            if merge.isDone && toProcess.isEmpty && toWrite.isEmpty { break }
        }
        logger.debug(
            "replay times (s)",
            metadata: [
                "waited for the broker": "\(waitedForBroker.secondsText)", "waited for helpers": "\(tasks.waitedForHelpers.secondsText)",
                "decode": "\(merge.time.total.secondsText)", "rows": "\(rows.time.total.secondsText)",
                "view shards": "\(views.map { "\(step.layouts[$0.view].view.name).\($0.shard) \($0.time.total.secondsText)" }.joined(separator: ", "))",
            ])
        // Freeing millions of tiles takes a while: let another thread do it while the files close.
        BackgroundRelease.release(views.map { $0.takeEntities() })
        var summary = ReplaySummary()
        summary.messages = merge.messages
        summary.rejected = merge.rejected
        summary.rows = rows.count
        try log.persistPending()
        try log.commitInFlight()
        let closing = ContinuousClock.now
        try log.rollDue(force: true)
        logger.debug("feature log files closed", metadata: ["seconds": "\((ContinuousClock.now - closing).secondsText)"])
        summary.files = log.filesWritten
        summary.seconds = Double((ContinuousClock.now - started).nanoseconds) / 1e9
        progress.finish(summary)
        return summary
    }

    /// Events decoded before the views process them together.
    static let batchSize = 2048
}

/// An accepted event of a replay batch, with what the merge decided about it.
private struct ReplayEvent: Sendable {
    var event: DecodedEvent
    var partition: Int32
    /// The partition's index among the topic's partitions in ascending order.
    var slot: Int
    var offset: Int64
    var lateMask: UInt64
    /// The partition's newest event time once this event is counted (its watermark for pruning).
    var newestEventTime: Int64
    /// The event's row among the batch's rows, or -1 when it logs none (warm-up before --from).
    var row: Int
    /// The shard of the event's entity of view v in bits 8v..<8v+8, found once by the merge
    /// rather than by every shard of every view; `ReplayEvent.noShards` when they do not fit
    /// (over 8 views or 256 shards: each shard then hashes the entity itself).
    var shardOfViews: UInt64
    var logsRow: Bool { row >= 0 }

    static let noShards = UInt64.max
    static let maxPackedViews = 8

    /// The shard of the event's entity of `view`, when packed.
    func shard(ofView view: Int) -> Int { Int((shardOfViews >> UInt64(8 * view)) & 0xFF) }
}

/// One shard of one view's state during a replay, touched by one thread at a time: the entities
/// whose id hashes to the shard and, per entity, the tiles each source partition contributed, in
/// ascending partition order (one dictionary lookup per event, where per-partition dictionaries
/// would take one per partition).
private final class ReplayView: @unchecked Sendable {
    let view: Int
    let shard: Int
    private let shards: Int
    private let step: EventStep
    private let output: ViewFeatures
    private var entities: [String: Entity] = [:]
    private var scratch: [Double?] = []
    private var windows = WindowScratch()
    private var features: [Double?] = []
    private(set) var time = TaskTime()

    struct Entity {
        /// In ascending partition order.
        var parts: [PartitionTiles] = []
        var distinct = EntityDistinctCaches()
    }

    struct PartitionTiles {
        var slot: Int
        var tiles: EntityTiles
    }

    init(view: Int, shard: Int, of shards: Int, step: EventStep, output: ViewFeatures) {
        self.view = view
        self.shard = shard
        self.shards = shards
        self.step = step
        self.output = output
    }

    /// For each event of the shard, in batch order: writes its row's features of the view (from
    /// the state before it) to the output, then applies it.
    func process(_ batch: [ReplayEvent], parity: Int) {
        let started = ContinuousClock.now
        // Worked on as locals (uniquely referenced), put back at the end.
        var entities = self.entities, features = self.features, scratch = self.scratch, windows = self.windows
        self.entities = [:]
        self.features = []
        let bit: UInt64 = 1 << UInt64(view)
        let groupCount = step.layouts[view].groups.count
        // Through a buffer pointer, which lends the events: `for item in batch` copied every
        // event of the batch (retaining its values) in every shard of every view.
        batch.withUnsafeBufferPointer { batch in
            for position in batch.indices {
                let item = batch.baseAddress! + position
                if shards > 1 && item.pointee.shardOfViews != ReplayEvent.noShards && item.pointee.shard(ofView: view) != shard { continue }
                let entity = step.entity(of: item.pointee.event, view: view)
                if shards > 1 && item.pointee.shardOfViews == ReplayEvent.noShards && Int(StableHash.hash(entity) % UInt64(shards)) != shard { continue }
                var index = entities.index(forKey: entity)
                if item.pointee.logsRow {
                    features.removeAll(keepingCapacity: true)
                    // The tiles and distinct sets are moved out while they are read, and back after
                    // (swapped in place: reading them through `values[index]` would copy the entity).
                    var distinct = EntityDistinctCaches()
                    var parts: [PartitionTiles] = []
                    if let index {
                        swap(&distinct, &entities.values[index].distinct)
                        swap(&parts, &entities.values[index].parts)
                    }
                    step.appendLogFeatures(
                        view: view, of: item.pointee.event, to: &features, scratch: &scratch, windows: &windows, distinctCaches: &distinct
                    ) { visit in
                        for part in parts.indices { visit(&parts[part].tiles) }
                    }
                    if let index {
                        swap(&distinct, &entities.values[index].distinct)
                        swap(&parts, &entities.values[index].parts)
                    }
                    output.store(features, row: item.pointee.row, parity: parity)
                }
                guard item.pointee.lateMask & bit == 0 else { continue }
                if index == nil {
                    entities[entity] = Entity()
                    index = entities.index(forKey: entity)
                }
                Self.apply(item.pointee, to: &entities.values[index!], step: step, view: view, groupCount: groupCount)
            }
        }
        self.entities = entities
        self.features = features
        self.scratch = scratch
        self.windows = windows
        time.record(since: started)
    }

    /// The shard's state, which it no longer holds.
    func takeEntities() -> [String: Entity] {
        var taken: [String: Entity] = [:]
        swap(&taken, &entities)
        return taken
    }

    private static func apply(_ item: ReplayEvent, to entity: inout Entity, step: EventStep, view: Int, groupCount: Int) {
        let position = entity.parts.firstIndex { $0.slot >= item.slot } ?? entity.parts.count
        if position == entity.parts.count || entity.parts[position].slot != item.slot {
            entity.parts.insert(PartitionTiles(slot: item.slot, tiles: EntityTiles(groupCount: groupCount, tracksChanges: false)), at: position)
        }
        let layout = step.layouts[view]
        entity.distinct.willApply(item.event, to: entity.parts[position].tiles, layout: layout)
        step.apply(
            item.event, to: &entity.parts[position].tiles, view: view, partition: item.partition, offset: item.offset,
            newestEventTime: item.newestEventTime)
        entity.distinct.didApply(layout: layout, watermark: item.newestEventTime - layout.view.allowedLateness)
    }
}

/// One view's features of the rows of the last two batches (by parity: one batch's rows are
/// written while the next one is processed), `width` values per row. The view's shards write
/// disjoint rows of one batch from several threads, hence raw memory rather than an array.
private final class ViewFeatures: @unchecked Sendable {
    let width: Int
    private var buffers: [UnsafeMutableBufferPointer<Double?>] = [.init(start: nil, count: 0), .init(start: nil, count: 0)]

    init(width: Int) { self.width = width }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// Makes room for `rows` rows; called before the shards start.
    func reserve(rows: Int, parity: Int) {
        guard buffers[parity].count < rows * width else { return }
        buffers[parity].deallocate()
        buffers[parity] = .allocate(capacity: max(rows * width, 2 * buffers[parity].count))
        buffers[parity].initialize(repeating: nil)
    }

    func store(_ values: [Double?], row: Int, parity: Int) {
        precondition(values.count == width)
        let target = buffers[parity]
        for index in 0..<width { target[row * width + index] = values[index] }
    }

    func append(row: Int, parity: Int, to values: inout [Double?]) {
        values.append(contentsOf: buffers[parity][row * width..<(row + 1) * width])
    }
}

/// The merge side of a replay: the partitions' queues and event-time clocks. Decodes batches in
/// (Kafka timestamp, partition, offset) order, an order fixed by the topic's contents, and
/// decides lateness there, so that every view sees the same events.
private final class ReplayMerge: @unchecked Sendable {
    private(set) var queues: [Int32: MessageQueue] = [:]
    private var slots: [Int32: Int] = [:]
    private var clocks: [PartitionClock]
    private let consumer: KafkaConsumer
    private let pollMessages: Int
    private let logger: Logger
    /// The first error of the consumer; nothing more is read after it.
    private(set) var error: (any Error)?
    private let decoder: EventDecoder
    private let step: EventStep
    private let shards: Int
    private let end: ReplayConfiguration.End
    private let isInRowRange: (KafkaConsumerMessage) -> Bool
    private(set) var messages = 0
    private(set) var rejected: [RejectionReason: Int] = [:]
    /// The batch `decodeNext` decoded.
    private(set) var batch: [ReplayEvent] = []
    private(set) var time = TaskTime()

    init(
        partitions: [Int32], consumer: KafkaConsumer, pollMessages: Int, logger: Logger, decoder: EventDecoder, step: EventStep,
        shards: Int, end: ReplayConfiguration.End, isInRowRange: @escaping (KafkaConsumerMessage) -> Bool
    ) {
        self.shards = shards
        self.consumer = consumer
        self.pollMessages = pollMessages
        self.logger = logger
        for (slot, partition) in partitions.sorted().enumerated() {
            slots[partition] = slot
            queues[partition] = MessageQueue()
        }
        clocks = Array(repeating: PartitionClock(), count: partitions.count)
        self.decoder = decoder
        self.step = step
        self.end = end
        self.isInRowRange = isInRowRange
    }

    /// Reads what the consumer has (waiting up to `timeout` for the first message) into the queues.
    func poll(timeout: Duration) throws {
        let polled = try consumer.poll(maxMessages: pollMessages, timeout: timeout)
        for error in polled.errors {
            logger.warning("kafka: \(error.message)", metadata: ["code": "\(error.code)"])
        }
        for message in polled.messages {
            guard let queue = queues[message.partition], !queue.finished else { continue }
            if case .time(let end) = end, message.timestamp.map({ $0 >= end }) == true {
                queue.finished = true
                continue
            }
            queue.append(message)
        }
        for (topicPartition, offset) in polled.reachedEnd {
            queues[topicPartition.partition]?.endOffset = offset
        }
    }

    /// Some partition may have more messages and has less than a batch buffered.
    var needsMessages: Bool { queues.values.contains { $0.expectsMore && $0.buffered < Replay.batchSize } }

    var isDone: Bool { queues.values.allSatisfy(\.isDone) }

    /// Decodes up to `limit` messages into `batch`: the oldest head while every unfinished
    /// partition has one (or has ended).
    func decodeNext(limit: Int) {
        let started = ContinuousClock.now
        defer { time.record(since: started) }
        batch.removeAll(keepingCapacity: true)
        if error == nil && needsMessages {
            do { try poll(timeout: .zero) } catch { self.error = error }
        }
        var rows = 0
        while batch.count < limit, let next = Self.nextMessage(queues) {
            let message = next.pop()
            messages += 1
            let slot = slots[message.partition]!
            let decoded = message.value.withUnsafeBytes { decoder.decode($0, messageTimestamp: message.timestamp) }
            switch decoded {
            case .failure(let rejection):
                rejected[rejection.reason, default: 0] += 1
            case .success(let event):
                let late = step.lateMask(eventTime: event.eventTime, clock: clocks[slot])
                if late == step.allViewsMask {
                    rejected[.late, default: 0] += 1
                    continue
                }
                clocks[slot].advance(to: event.eventTime)
                var row = -1
                if isInRowRange(message) {
                    row = rows
                    rows += 1
                }
                batch.append(
                    ReplayEvent(
                        event: event, partition: message.partition, slot: slot, offset: message.offset, lateMask: late,
                        newestEventTime: clocks[slot].newestEventTime, row: row, shardOfViews: shardOfViews(event)))
            }
        }
    }

    private func shardOfViews(_ event: DecodedEvent) -> UInt64 {
        guard shards > 1, shards <= 256, step.layouts.count <= ReplayEvent.maxPackedViews else { return ReplayEvent.noShards }
        var packed: UInt64 = 0
        for view in step.layouts.indices {
            packed |= (StableHash.hash(step.entity(of: event, view: view)) % UInt64(shards)) << UInt64(8 * view)
        }
        return packed
    }

    /// The queue whose head comes first in (timestamp, partition, offset) order, or nil when some
    /// unfinished partition has no message buffered yet (its next one might come first).
    private static func nextMessage(_ queues: [Int32: MessageQueue]) -> MessageQueue? {
        var best: MessageQueue?
        var bestKey: (Int64, Int32, Int64)?
        for (partition, queue) in queues {
            guard let head = queue.head else {
                if queue.isDone { continue }
                return nil
            }
            let key = (head.timestamp ?? .min, partition, head.offset)
            if bestKey.map({ key < $0 }) ?? true {
                best = queue
                bestKey = key
            }
        }
        return best
    }
}

/// The row side of a replay: assembles each batch's rows from the views' features, in batch
/// order, and hands them to the feature log.
private final class ReplayRows: @unchecked Sendable {
    private let log: FeatureLogWriter
    private let step: EventStep
    private let outputs: [ViewFeatures]
    private(set) var count = 0
    /// The first error of the feature log; nothing more is written after it.
    private(set) var error: (any Error)?
    private(set) var time = TaskTime()

    init(log: FeatureLogWriter, step: EventStep, outputs: [ViewFeatures]) {
        self.log = log
        self.step = step
        self.outputs = outputs
    }

    func write(_ batch: [ReplayEvent], parity: Int) {
        guard error == nil else { return }
        let started = ContinuousClock.now
        defer { time.record(since: started) }
        for item in batch where item.logsRow {
            var features: [Double?] = []
            features.reserveCapacity(step.logLayout.featureNames.count)
            for output in outputs { output.append(row: item.row, parity: parity, to: &features) }
            log.append(step.logRow(item.event, partition: item.partition, offset: item.offset, features: features))
            count += 1
        }
        // Into the Parquet files at once: a task of even size is easier to balance against the
        // views' than one that encodes five batches every fifth time.
        do {
            try log.persistPending()
            try log.commitInFlight()
        } catch {
            self.error = error
        }
    }
}

/// Messages of one partition waiting to be merged.
private final class MessageQueue {
    private var messages: [KafkaConsumerMessage] = []
    private var start = 0
    /// The offset at which the partition reported its end, once it did.
    var endOffset: Int64?
    /// The `--to` time was reached: nothing more is taken from this partition.
    var finished = false
    private var nextOffset: Int64?

    var head: KafkaConsumerMessage? { start < messages.count ? messages[start] : nil }

    var buffered: Int { messages.count - start }

    /// More messages may come (the opposite of `isDone` while nothing is buffered).
    var expectsMore: Bool {
        if finished { return false }
        guard let endOffset else { return true }
        return nextOffset.map { $0 < endOffset } ?? false
    }

    /// Nothing buffered and nothing more to come.
    var isDone: Bool {
        guard head == nil else { return false }
        if finished { return true }
        guard let endOffset else { return false }
        return nextOffset.map { $0 >= endOffset } ?? true
    }

    func append(_ message: KafkaConsumerMessage) {
        messages.append(message)
        nextOffset = message.offset + 1
    }

    func pop() -> KafkaConsumerMessage {
        let message = messages[start]
        start += 1
        if start > 4096 && start * 2 > messages.count {
            messages.removeFirst(start)
            start = 0
        }
        return message
    }

    /// Messages buffered or read so far.
    var readUpTo: Int64? { nextOffset }
}

/// Progress of a replay: a bar with events/s, percent and ETA on a terminal, plain lines otherwise.
private struct ReplayProgress {
    let interval: Duration?
    let output = ProgressLine()
    var last = ContinuousClock.now
    let started = ContinuousClock.now
    var startOffsets: [Int32: Int64] = [:]

    init(interval: Duration?) { self.interval = interval }

    mutating func report(messages: Int, rows: Int, queues: [Int32: MessageQueue], consumer: KafkaConsumer, topic: String) {
        guard let interval, ContinuousClock.now - last >= interval else { return }
        last = .now
        let seconds = Double((ContinuousClock.now - started).nanoseconds) / 1e9
        let rate = seconds > 0 ? Double(messages) / seconds : 0
        // Remaining = high watermark (from fetch responses) minus what was read.
        var total: Int64 = 0, remaining: Int64 = 0
        for (partition, queue) in queues {
            guard let marks = consumer.cachedWatermarks(KafkaTopicPartition(topic, partition)) else { continue }
            let read = queue.readUpTo ?? marks.low
            if startOffsets[partition] == nil { startOffsets[partition] = max(marks.low, read - 1) }
            total += marks.high - startOffsets[partition]!
            remaining += queue.isDone ? 0 : max(0, marks.high - read)
        }
        let percent = total > 0 ? 100 * Double(total - remaining) / Double(total) : 0
        let eta = rate > 0 ? Int((Double(remaining) / rate).rounded(.up)) : 0
        let numbers = "\(grouped(messages)) events, \(grouped(rows)) rows, \(grouped(Int(rate))) events/s, \(String(format: "%.0f", percent))%, ETA \(eta) s"
        if output.isTerminal {
            let width = 30
            let filled = min(width, Int(percent / 100 * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            output.write("sluice replay [\(bar)] \(numbers)", final: false)
        } else {
            output.write("sluice replay: \(numbers)", final: false)
        }
    }

    func finish(_ summary: ReplaySummary) {
        guard interval != nil else { return }
        let rate = summary.seconds > 0 ? Double(summary.messages) / summary.seconds : 0
        var line = "sluice replay: \(grouped(summary.messages)) events in \(String(format: "%.1f", summary.seconds)) s (\(grouped(Int(rate))) events/s), "
        line += "\(grouped(summary.rows)) rows in \(summary.files) files"
        let rejected = summary.rejected.values.reduce(0, +)
        if rejected > 0 {
            line += "; \(grouped(rejected)) rejected (\(ProgressLine.counts(summary.rejected, name: \.rawValue)))"
        }
        output.write(line, final: true)
    }
}

private func grouped(_ value: Int) -> String { ProgressLine.grouped(value) }
