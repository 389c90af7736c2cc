import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceParquet
import SluiceRuntime

/// Labels read from the labels topic: per event id, every label with the time it became known.
public struct LabelBook: Sendable {
    public struct Label: Sendable, Equatable {
        public var value: Int32
        /// When the label became known (epoch ms): its `ts` field.
        public var time: Int64
    }

    public private(set) var labels: [String: [Label]] = [:]
    /// Messages that were not a valid label ({"txn_id": string, "label": integer, "ts": integer}).
    public private(set) var invalid = 0
    public private(set) var messages = 0

    public init() {}

    /// Adds one labels-topic message.
    public mutating func add(json bytes: [UInt8]) {
        messages += 1
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let id = object["txn_id"] as? String, !id.isEmpty,
            let value = (object["label"] as? NSNumber).flatMap({ Int32(exactly: $0.doubleValue) }),
            let time = (object["ts"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) })
        else {
            invalid += 1
            return
        }
        labels[id, default: []].append(Label(value: value, time: time))
    }

    /// The label of an event as known at `asOf`: the newest label whose time is at or before
    /// `asOf` and within `maxDelay` of the event time. Nil: none counts.
    public func label(of id: String, eventTime: Int64, asOf: Int64, maxDelay: Int64) -> Label? {
        var best: Label?
        for label in labels[id] ?? [] where label.time <= asOf && label.time - eventTime <= maxDelay {
            if best.map({ label.time >= $0.time }) ?? true { best = label }
        }
        return best
    }

    /// Reads every message of `topic` from the beginning to the end of each partition.
    public static func read(topic: String, client: KafkaClientConfiguration, logger: Logger, timeout: Duration = .seconds(120)) async throws
        -> LabelBook
    {
        let admin = try KafkaAdmin(configuration: client, logger: logger)
        guard let partitions = try await admin.metadata().topic(topic)?.partitions, !partitions.isEmpty else {
            throw OfflineError(.topicMissing, "the labels topic '\(topic)' does not exist")
        }
        var configuration = KafkaConsumerConfiguration(groupID: "sluice-labels-\(UUID().uuidString.prefix(8))", client: client)
        configuration.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        defer { try? consumer.close() }
        let wanted = Set(partitions.map { KafkaTopicPartition(topic, $0) })
        try consumer.assign(Dictionary(uniqueKeysWithValues: wanted.map { ($0, KafkaOffset.beginning) }))
        var book = LabelBook()
        var ended = Set<KafkaTopicPartition>()
        let deadline = ContinuousClock.now + timeout
        while !wanted.isSubset(of: ended) {
            guard ContinuousClock.now < deadline else {
                throw OfflineError(.timedOut, "the labels topic '\(topic)' did not reach its end within \(timeout) (read \(book.messages) labels)")
            }
            let batch = try await consumer.nextBatch(maxMessages: 10_000, timeout: .milliseconds(200))
            for message in batch.messages {
                book.add(json: message.value)
                ended.remove(message.topicPartition)
            }
            for partition in batch.reachedEnd.keys { ended.insert(partition) }
        }
        return book
    }
}

/// Settings of `sluice training-set`.
public struct TrainingSetConfiguration: Sendable {
    /// Root of the feature log (`--features`), holding `<topology>/date=.../*.parquet`.
    public var featuresDirectory: String
    public var topologyName: String
    public var output: String
    /// Labels known after this time (epoch ms) are ignored.
    public var asOf: Int64
    /// Labels that arrive more than this after the event are ignored, and rows whose event is older
    /// than `asOf - labelDelayMax` without a label are `expired` rather than `unlabeled`.
    public var labelDelayMax: Int64 = 30 * 86_400_000

    public init(featuresDirectory: String, topologyName: String, output: String, asOf: Int64) {
        self.featuresDirectory = featuresDirectory
        self.topologyName = topologyName
        self.output = output
        self.asOf = asOf
    }
}

/// What a training set holds.
public struct TrainingSetSummary: Sendable, Equatable {
    public var rows = 0
    public var labeled = 0
    public var positives = 0
    /// No label yet, and one may still come (the event is younger than the label delay).
    public var unlabeled = 0
    /// No label within the label delay.
    public var expired = 0
}

/// Joins feature-log rows with their labels by event id, as known at an as-of time. Every row of
/// the log is kept, with `label`, `label_time` and `label_status` (labeled, unlabeled, expired).
public enum TrainingSetBuilder {
    public static func build(_ configuration: TrainingSetConfiguration, labels: LabelBook) throws -> TrainingSetSummary {
        let root = (configuration.featuresDirectory as NSString).appendingPathComponent(configuration.topologyName)
        let files = parquetFiles(under: root)
        guard !files.isEmpty else {
            throw OfflineError(.logMissing, "no feature log files under \(root); write them with `sluice run --offline-dir` or `sluice replay --out`")
        }
        // Files written before and after a topology change hold different feature columns: the
        // training set has the union, with nulls where a file lacks a column.
        var schema: [ParquetField] = []
        var everywhere: [String: Int] = [:]
        for file in files {
            for field in try ParquetReader.fields(path: (root as NSString).appendingPathComponent(file)) {
                if let existing = schema.first(where: { $0.name == field.name }) {
                    guard existing.type == field.type else {
                        throw OfflineError(.notAFeatureLog, "column \(field.name) is \(existing.type) in some files and \(field.type) in \(file)")
                    }
                } else {
                    schema.append(field)
                }
                everywhere[field.name, default: 0] += 1
            }
        }
        schema = schema.map { field in
            var field = field
            if everywhere[field.name] != files.count { field.isOptional = true }
            return field
        }
        let temporary = configuration.output + ".tmp-\(getpid())"
        var writer: ParquetWriter?
        var summary = TrainingSetSummary()
        do {
            var options = ParquetWriterOptions()
            options.metadata = [
                ("sluice.topology", configuration.topologyName), ("sluice.labels.as_of", String(configuration.asOf)),
                ("sluice.labels.delay_max_ms", String(configuration.labelDelayMax)), ("sluice.version", SluiceVersion.current),
            ]
            options.createdBy = "sluice version \(SluiceVersion.current)"
            writer = try ParquetWriter(
                path: temporary,
                schema: schema + [
                    ParquetField("label", .int32), ParquetField("label_time", .timestampMillis),
                    ParquetField("label_status", .string, optional: false),
                ],
                options: options)
            for file in files {
                let table = try ParquetReader.read(path: (root as NSString).appendingPathComponent(file))
                let columns = schema.map { field in table.column(named: field.name) }
                guard case .strings(let ids)? = table.column(named: "event_id"), case .int64s(let times)? = table.column(named: "event_time") else {
                    throw OfflineError(.notAFeatureLog, "\(file) is not a Sluice feature log (no event_id or event_time)")
                }
                for row in 0..<table.rowCount {
                    for column in columns {
                        if let column { try append(column, row: row, to: writer!) } else { try writer!.appendNull() }
                    }
                    let eventTime = times[row] ?? 0
                    let label = labels.label(of: ids[row] ?? "", eventTime: eventTime, asOf: configuration.asOf, maxDelay: configuration.labelDelayMax)
                    try writer!.append(label?.value)
                    try writer!.append(label?.time)
                    if let label {
                        try writer!.append("labeled")
                        summary.labeled += 1
                        if label.value != 0 { summary.positives += 1 }
                    } else if eventTime + configuration.labelDelayMax > configuration.asOf {
                        try writer!.append("unlabeled")
                        summary.unlabeled += 1
                    } else {
                        try writer!.append("expired")
                        summary.expired += 1
                    }
                    try writer!.endRow()
                    summary.rows += 1
                }
            }
            try writer?.close()
        } catch {
            writer?.discard()
            throw error
        }
        guard rename(temporary, configuration.output) == 0 else {
            throw OfflineError(.fileSystem, "cannot rename \(temporary) to \(configuration.output): \(String(cString: strerror(errno)))")
        }
        return summary
    }

    private static func append(_ column: ParquetColumnValues, row: Int, to writer: ParquetWriter) throws {
        switch column {
        case .strings(let values): try writer.append(values[row])
        case .int32s(let values): try writer.append(values[row])
        case .int64s(let values): try writer.append(values[row])
        case .doubles(let values): try writer.append(values[row])
        case .booleans(let values): try writer.append(values[row])
        }
    }
}
