import SluiceKafka

/// Settings of `sluice drift run` besides its plan (reference, columns, window size).
public struct DriftMonitorConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// The consumer group of the source topics; processes in it split the partitions. The merger
    /// uses the group `<groupID>.merge` on the parts topic.
    public var groupID: String
    /// Where processes publish their partitions' window parts (created with one partition, so
    /// that one process merges).
    public var partsTopic = "sluice.drift.parts"
    /// Where processes record each source partition's progress after a close (one partition,
    /// compacted; keyed by group and partition): a process that resumes a partition reads it.
    public var progressTopic: String { partsTopic + ".progress" }
    /// Where closed windows are published, one JSON record per column.
    public var driftTopic = "sluice.drift"
    /// Events up to this much older than their partition's newest still count in their window.
    public var allowedLateness: Int64
    /// A partition at its end with nothing new for this long (processing time, ms) stops holding
    /// the watermark back.
    public var idleAfter: Int64 = 30_000
    /// Concept drift on matured labels (nil: data drift only).
    public var concept: ConceptSettings?
    /// Only predictions of this model count (nil: every model's).
    public var model: String?
    /// How often a progress line is printed (nil: never).
    public var progressInterval: Duration? = .seconds(2)
    /// Stop once every assigned partition reached its end, nothing more can close and no merged
    /// window waits (for batch runs and tests).
    public var untilIdle = false

    public init(client: KafkaClientConfiguration, groupID: String, allowedLateness: Int64) {
        self.client = client
        self.groupID = groupID
        self.allowedLateness = allowedLateness
    }
}
