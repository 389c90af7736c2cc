import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// Rebuilds the feature log from the topic, without touching the online store: the same decoder,
/// lateness rule, log rows and tile updates as `sluice run` (`EventRules`), with state in memory.
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
    private let rules: EventRules

    public init(compiled: CompiledTopology, configuration: ReplayConfiguration, logger: Logger) {
        self.compiled = compiled
        self.configuration = configuration
        self.logger = logger
        self.rules = EventRules(topology: compiled.topology, layouts: compiled.layouts)
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
        guard !partitions.isEmpty else {
            throw OfflineError(.topicMissing, "topic '\(topic)' does not exist or has no partitions")
        }
        return try await DedicatedThread.run(name: "sluice.replay") { try self.runBlocking(partitions: partitions) }
    }

    private func runBlocking(partitions: [Int32]) throws -> ReplaySummary {
        let started = ContinuousClock.now
        let topic = compiled.topology.source.topic
        let client = configuration.connection.kafkaClient

        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: "sluice-replay-\(UUID().uuidString.prefix(8))", client: client)
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
            try consumer.assign(
                Dictionary(uniqueKeysWithValues: topicPartitions.map { ($0, KafkaOffset.exact(offset)) }))
        case .time(let time):
            try consumer.assign(partitions: topicPartitions, fromTimestamp: time - warmUp)
        }

        let log = try FeatureLogWriter(
            options: configuration.output, topology: compiled.topology, fingerprint: compiled.fingerprint,
            logger: logger)
        for partition in partitions { try log.open(partition: partition, resumeAt: 0) }
        // Each view is split into shards by entity, so that one busy view can use every core; twice
        // as many shards as threads leave room to even out a shard holding a very busy entity.
        let shards = configuration.threads > 1 ? 2 * configuration.threads : 1
        let merge = ReplayMerge(
            partitions: partitions, consumer: consumer, pollMessages: configuration.pollMessages, logger: logger,
            decoder: compiled.decoder,
            rules: rules, shards: shards, end: configuration.end
        ) { [configuration] message in
            switch configuration.start {
            case .beginning: true
            case .offset(let offset): message.offset >= offset
            case .time(let time): (message.timestamp ?? .min) >= time
            }
        }
        let outputs = rules.layouts.indices.map { ReplayViewFeatures(width: rules.logFeatureCount(view: $0)) }
        let views = rules.layouts.indices.flatMap { view in
            (0..<shards).map { ReplayView(view: view, shard: $0, of: shards, rules: rules, output: outputs[view]) }
        }
        let rows = ReplayRows(log: log, rules: rules, outputs: outputs)
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
            let processing = toProcess
            let writing = toWrite
            let processParity = parity
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
            progress.report(
                messages: merge.messages, rows: rows.count, queues: merge.queues, consumer: consumer, topic: topic)
            if merge.isDone && toProcess.isEmpty && toWrite.isEmpty { break }
        }
        logger.debug(
            "replay times (s)",
            metadata: [
                "waited for the broker": "\(waitedForBroker.secondsText)",
                "waited for helpers": "\(tasks.waitedForHelpers.secondsText)",
                "decode": "\(merge.time.total.secondsText)", "rows": "\(rows.time.total.secondsText)",
                "view shards":
                    "\(views.map { "\(rules.layouts[$0.view].view.name).\($0.shard) \($0.time.total.secondsText)" }.joined(separator: ", "))",
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
        log.waitForCheckpoints()
        logger.debug(
            "feature log files closed", metadata: ["seconds": "\((ContinuousClock.now - closing).secondsText)"])
        summary.files = log.filesWritten
        summary.seconds = (ContinuousClock.now - started).seconds
        progress.finish(summary)
        return summary
    }

    /// Events decoded before the views process them together.
    static let batchSize = 2048
}
