import Foundation

/// Settings of `StreamEngine` (`sluice run`).
public struct EngineConfiguration: Sendable {
    public var connection: ConnectionSettings
    /// Consumer group; processes sharing it share the partitions. Default `sluice-<topology>`.
    public var groupID: String?
    /// Exit once every assigned partition reached its end and all state is written.
    public var untilEnd: Bool = false
    /// Most messages processed in one batch (one Redis write: a pipeline, or one transaction with
    /// a feature log). Default 20 000: larger batches write hot entities once for many events.
    public var maxBatchMessages: Int = 20_000
    /// How long a poll waits for the first message. Default 50 ms.
    public var pollTimeout: Duration = .milliseconds(50)
    /// How often a progress line is printed; nil prints none. Default 2 s.
    public var progressInterval: Duration? = .seconds(2)
    /// How often consumed offsets are also committed to the Kafka group (for lag tools; resuming
    /// uses the offsets stored in Redis). Default 5 s.
    public var kafkaCommitInterval: Duration = .seconds(5)
    /// Entities kept in memory per process before the cache is dropped (Redis holds the truth).
    public var maxCachedEntities: Int = 1_000_000
    /// Threads applying a batch's events (one view of one partition at a time each); the default
    /// is the number of cores.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// The offline feature log (`--offline-dir`): one row per accepted event with every view's
    /// features just before the event. Default: none.
    public var offlineLog: FeatureLogOptions?
    /// With `untilEnd`, how long to wait for a first partition assignment. Default 60 s.
    public var assignmentTimeout: Duration = .seconds(60)

    public init(connection: ConnectionSettings = ConnectionSettings()) {
        self.connection = connection
    }
}
