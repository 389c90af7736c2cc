/// What a model was trained on, read from the training set file when the version is registered:
/// its hash and counts, the label cut-off, and the slice of the event stream its rows cover.
public struct TrainingSetLineage: Sendable, Equatable, Codable {
    /// The path given at registration, for people; the hash identifies the file.
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public var rows: Int
    public var labeled: Int
    /// Labeled rows whose label is 1 (fraud).
    public var positives: Int
    /// Rows whose label could still arrive at the as-of time.
    public var unlabeled: Int
    /// Rows whose label did not arrive within the label delay.
    public var expired: Int
    /// Only labels known at this time (epoch ms) were joined.
    public var labelsAsOf: Int64?
    /// The topology that computed the features, by name and content hash.
    public var topologyName: String?
    public var topologyHash: String?
    /// The Kafka topic of the events and, per partition, the offsets the rows came from.
    public var topic: String?
    public var partitions: [OffsetRange]
    /// Event times (epoch ms) of the oldest and newest row.
    public var firstEventTime: Int64?
    public var lastEventTime: Int64?
    /// The feature log table snapshot the rows were read from: reading it again
    /// (`sluice training-set --table-version`) rebuilds the same rows.
    public var tablePath: String?
    public var tableID: String?
    public var tableVersion: Int64?

    public init(
        path: String, sha256: String, bytes: Int64, rows: Int, labeled: Int, positives: Int, unlabeled: Int,
        expired: Int, labelsAsOf: Int64? = nil, topologyName: String? = nil, topologyHash: String? = nil,
        topic: String? = nil, partitions: [OffsetRange] = [], firstEventTime: Int64? = nil, lastEventTime: Int64? = nil
    ) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.rows = rows
        self.labeled = labeled
        self.positives = positives
        self.unlabeled = unlabeled
        self.expired = expired
        self.labelsAsOf = labelsAsOf
        self.topologyName = topologyName
        self.topologyHash = topologyHash
        self.topic = topic
        self.partitions = partitions
        self.firstEventTime = firstEventTime
        self.lastEventTime = lastEventTime
    }

    enum CodingKeys: String, CodingKey {
        case path, sha256, bytes, rows, labeled, positives, unlabeled, expired, topic, partitions
        case labelsAsOf = "labels_as_of"
        case topologyName = "topology_name"
        case topologyHash = "topology_hash"
        case firstEventTime = "first_event_time"
        case lastEventTime = "last_event_time"
        case tablePath = "table_path"
        case tableID = "table_id"
        case tableVersion = "table_version"
    }
}
