import SluiceCore
import SluiceParquet

/// What a training set file holds, read from its key-value metadata and columns: row and label
/// counts, the label cut-off, the topology, and per Kafka partition the offsets its rows came
/// from. The registry records it as a model version's lineage.
public struct TrainingSetProfile: Sendable, Equatable {
    public struct Partition: Sendable, Equatable {
        public var partition: Int32
        public var firstOffset: Int64
        public var lastOffset: Int64
        public var rows: Int
    }

    public var columns: [String]
    public var rows = 0
    public var labeled = 0
    public var positives = 0
    public var unlabeled = 0
    public var expired = 0
    public var labelsAsOf: Int64?
    public var topologyName: String?
    public var topologyHash: String?
    public var topic: String?
    public var partitions: [Partition] = []
    public var firstEventTime: Int64?
    public var lastEventTime: Int64?
    /// The feature log table snapshot the rows were read from (`sluice.table.*`).
    public var tablePath: String?
    public var tableID: String?
    public var tableVersion: Int64?

    public static func read(path: String) throws(OfflineError) -> TrainingSetProfile {
        let table: ParquetTable
        do {
            table = try ParquetReader.read(
                path: path,
                columns: ["event_time", "kafka_topic", "kafka_partition", "kafka_offset", "label", "label_status"])
        } catch {
            throw OfflineError(.notATrainingSet, "cannot read the training set \(path): \(error)")
        }
        guard case .int64s(let times)? = table.column(named: "event_time"),
            case .strings(let topics)? = table.column(named: "kafka_topic"),
            case .int32s(let partitions)? = table.column(named: "kafka_partition"),
            case .int64s(let offsets)? = table.column(named: "kafka_offset"),
            case .int32s(let labels)? = table.column(named: "label"),
            case .strings(let statuses)? = table.column(named: "label_status")
        else {
            throw OfflineError(
                .notATrainingSet,
                "\(path) is not a Sluice training set (it lacks event_time, kafka_* or label columns); "
                    + "make one with `sluice training-set`")
        }
        var profile = TrainingSetProfile(columns: (try? ParquetReader.fields(path: path).map(\.name)) ?? [])
        profile.rows = table.rowCount
        profile.labelsAsOf = table.metadata["sluice.labels.as_of"].flatMap { Int64($0) }
        profile.topologyName = table.metadata["sluice.topology"]
        profile.topologyHash = table.metadata["sluice.topology.hash"]
        profile.tablePath = table.metadata["sluice.table.path"]
        profile.tableID = table.metadata["sluice.table.id"]
        profile.tableVersion = table.metadata["sluice.table.version"].flatMap { Int64($0) }
        var ranges: [Int32: Partition] = [:]
        var topicsSeen = Set<String>()
        for row in 0..<table.rowCount {
            switch statuses[row] {
            case "labeled":
                profile.labeled += 1
                if (labels[row] ?? 0) != 0 { profile.positives += 1 }
            case "unlabeled": profile.unlabeled += 1
            default: profile.expired += 1
            }
            if let time = times[row] {
                profile.firstEventTime = min(profile.firstEventTime ?? time, time)
                profile.lastEventTime = max(profile.lastEventTime ?? time, time)
            }
            if let topic = topics[row] { topicsSeen.insert(topic) }
            guard let partition = partitions[row], let offset = offsets[row] else { continue }
            var range =
                ranges[partition] ?? Partition(partition: partition, firstOffset: offset, lastOffset: offset, rows: 0)
            range.firstOffset = min(range.firstOffset, offset)
            range.lastOffset = max(range.lastOffset, offset)
            range.rows += 1
            ranges[partition] = range
        }
        profile.topic = topicsSeen.sorted().joined(separator: ",")
        if profile.topic?.isEmpty == true { profile.topic = nil }
        profile.partitions = ranges.values.sorted { $0.partition < $1.partition }
        return profile
    }
}
