import Foundation
import Logging
import SluiceCore
import SluiceKafka

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
    /// Threads computing views side by side (each view on one thread at a time); the default is
    /// the number of cores.
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
        guard !partitions.isEmpty else { throw EngineError("topic '\(topic)' does not exist or has no partitions") }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ReplaySummary, any Error>) in
            let thread = Thread {
                do {
                    continuation.resume(returning: try self.runBlocking(partitions: partitions))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "sluice.replay"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func runBlocking(partitions: [Int32]) throws -> ReplaySummary {
        let started = ContinuousClock.now
        let topic = compiled.topology.source.topic
        let client = configuration.connection.kafkaClient

        var consumerConfiguration = KafkaConsumerConfiguration(groupID: "sluice-replay-\(UUID().uuidString.prefix(8))", client: client)
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.reportPartitionEnd = true
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
        var slots: [Int32: Int] = [:]
        var queues: [Int32: MessageQueue] = [:]
        for (slot, partition) in partitions.sorted().enumerated() {
            slots[partition] = slot
            queues[partition] = MessageQueue()
            try log.open(partition: partition, resumeAt: 0)
        }
        var clocks = Array(repeating: PartitionClock(), count: partitions.count)
        let views = step.layouts.indices.map { ReplayView(view: $0, step: step) }
        let tasks = ParallelTasks(threads: min(configuration.threads, views.count), name: "sluice.replay")
        defer { tasks.stop() }
        var summary = ReplaySummary()
        var progress = ReplayProgress(interval: configuration.progressInterval)
        var batch: [ReplayEvent] = []
        batch.reserveCapacity(Self.batchSize)
        var rowsSinceFlush = 0

        while true {
            let polled = try consumer.poll(maxMessages: configuration.pollMessages, timeout: .milliseconds(200))
            for error in polled.errors {
                logger.warning("kafka: \(error.message)", metadata: ["code": "\(error.code)"])
            }
            for message in polled.messages {
                guard let queue = queues[message.partition], !queue.finished else { continue }
                if case .time(let end) = configuration.end, message.timestamp.map({ $0 >= end }) == true {
                    queue.finished = true
                    continue
                }
                queue.append(message)
            }
            for (topicPartition, offset) in polled.reachedEnd {
                guard let queue = queues[topicPartition.partition] else { continue }
                queue.endOffset = offset
            }
            // Merge: take the oldest head while every unfinished partition has one (or has ended).
            // Decoding, lateness and clocks follow that order on this thread; then each view runs
            // through the batch on its own thread; then the rows are written in order.
            var more = true
            while more {
                batch.removeAll(keepingCapacity: true)
                while batch.count < Self.batchSize, let next = Self.nextMessage(queues) {
                    let message = next.pop()
                    summary.messages += 1
                    let slot = slots[message.partition]!
                    let decoded = message.value.withUnsafeBytes { compiled.decoder.decode($0, messageTimestamp: message.timestamp) }
                    switch decoded {
                    case .failure(let rejection):
                        summary.rejected[rejection.reason, default: 0] += 1
                    case .success(let event):
                        let late = step.lateMask(eventTime: event.eventTime, clock: clocks[slot])
                        if late == step.allViewsMask {
                            summary.rejected[.late, default: 0] += 1
                            continue
                        }
                        clocks[slot].advance(to: event.eventTime)
                        batch.append(
                            ReplayEvent(
                                event: event, partition: message.partition, slot: slot, offset: message.offset, lateMask: late,
                                newestEventTime: clocks[slot].newestEventTime, logsRow: isInRowRange(message)))
                    }
                }
                more = batch.count == Self.batchSize
                guard !batch.isEmpty else { break }
                let events = batch
                tasks.run(order: views.sorted { $0.lastBatchTime > $1.lastBatchTime }.map(\.view)) { view in
                    views[view].process(events)
                }
                var rowIndex = 0
                for item in batch where item.logsRow {
                    var features: [Double?] = []
                    features.reserveCapacity(step.logLayout.featureNames.count)
                    for view in views { view.appendFeatures(ofRow: rowIndex, to: &features) }
                    rowIndex += 1
                    log.append(step.logRow(item.event, partition: item.partition, offset: item.offset, features: features))
                    summary.rows += 1
                    rowsSinceFlush += 1
                }
                if rowsSinceFlush >= 10_000 {
                    try log.persistPending()
                    try log.commitInFlight()
                    rowsSinceFlush = 0
                }
            }
            progress.report(messages: summary.messages, rows: summary.rows, queues: queues, consumer: consumer, topic: topic)
            if queues.values.allSatisfy({ $0.isDone }) { break }
        }
        try log.persistPending()
        try log.commitInFlight()
        try log.rollDue(force: true)
        summary.files = log.filesWritten
        summary.seconds = Double((ContinuousClock.now - started).nanoseconds) / 1e9
        progress.finish(summary)
        return summary
    }

    /// Events decoded before the views process them together.
    static let batchSize = 2048

    private func isInRowRange(_ message: KafkaConsumerMessage) -> Bool {
        switch configuration.start {
        case .beginning: true
        case .offset(let offset): message.offset >= offset
        case .time(let time): (message.timestamp ?? .min) >= time
        }
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
    var logsRow: Bool
}

/// One view's state during a replay, touched by one thread at a time: per entity, the tiles
/// each source partition contributed, in ascending partition order (one dictionary lookup per
/// event, where per-partition dictionaries would take one per partition).
private final class ReplayView: @unchecked Sendable {
    let view: Int
    private let step: EventStep
    private let width: Int
    private var entities: [String: [PartitionTiles]] = [:]
    private var scratch: [Double?] = []
    private var windows = WindowScratch()
    /// The last batch's features of this view, `width` per row, in batch order.
    private var features: [Double?] = []
    /// How long the last batch took, to start the slowest view first.
    private(set) var lastBatchTime: Duration = .zero

    struct PartitionTiles {
        var slot: Int
        var tiles: EntityTiles
    }

    init(view: Int, step: EventStep) {
        self.view = view
        self.step = step
        self.width = step.logFeatureCount(view: view)
    }

    /// Logs each event's features (from the state before it), then applies it, in batch order.
    func process(_ batch: [ReplayEvent]) {
        let started = ContinuousClock.now
        var entities = self.entities, features = self.features, scratch = self.scratch, windows = self.windows
        self.entities = [:]
        self.features = []
        features.removeAll(keepingCapacity: true)
        let bit: UInt64 = 1 << UInt64(view)
        let groupCount = step.layouts[view].groups.count
        for item in batch {
            let entity = step.entity(of: item.event, view: view)
            var index = entities.index(forKey: entity)
            if item.logsRow {
                step.appendLogFeatures(view: view, of: item.event, to: &features, scratch: &scratch, windows: &windows) { visit in
                    guard let index else { return }
                    for part in entities.values[index].indices { visit(&entities.values[index][part].tiles) }
                }
            }
            guard item.lateMask & bit == 0 else { continue }
            if index == nil {
                entities[entity] = []
                index = entities.index(forKey: entity)
            }
            Self.apply(item, to: &entities.values[index!], step: step, view: view, groupCount: groupCount)
        }
        self.entities = entities
        self.features = features
        self.scratch = scratch
        self.windows = windows
        lastBatchTime = .now - started
    }

    private static func apply(_ item: ReplayEvent, to parts: inout [PartitionTiles], step: EventStep, view: Int, groupCount: Int) {
        let position = parts.firstIndex { $0.slot >= item.slot } ?? parts.count
        if position == parts.count || parts[position].slot != item.slot {
            parts.insert(PartitionTiles(slot: item.slot, tiles: EntityTiles(groupCount: groupCount)), at: position)
        }
        step.apply(
            item.event, to: &parts[position].tiles, view: view, partition: item.partition, offset: item.offset,
            newestEventTime: item.newestEventTime)
        parts[position].tiles.forgetChanges()
    }

    /// Appends the features of the last batch's `index`-th row to `row`.
    func appendFeatures(ofRow index: Int, to row: inout [Double?]) {
        row.append(contentsOf: features[index * width..<(index + 1) * width])
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
    let isTerminal = isatty(STDERR_FILENO) == 1
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
        if isTerminal {
            let width = 30
            let filled = min(width, Int(percent / 100 * Double(width)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2Ksluice replay [\(bar)] \(numbers)".utf8))
        } else {
            FileHandle.standardError.write(Data("sluice replay: \(numbers)\n".utf8))
        }
    }

    func finish(_ summary: ReplaySummary) {
        guard interval != nil else { return }
        let rate = summary.seconds > 0 ? Double(summary.messages) / summary.seconds : 0
        var line = "sluice replay: \(grouped(summary.messages)) events in \(String(format: "%.1f", summary.seconds)) s (\(grouped(Int(rate))) events/s), "
        line += "\(grouped(summary.rows)) rows in \(summary.files) files"
        let rejected = summary.rejected.values.reduce(0, +)
        if rejected > 0 {
            line += "; \(grouped(rejected)) rejected ("
                + summary.rejected.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ") + ")"
        }
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[2K" : "") + line + "\n").utf8))
    }
}
