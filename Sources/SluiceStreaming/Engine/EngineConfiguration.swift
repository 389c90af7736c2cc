import Foundation
import SluiceOffline
import SluiceRuntime

/// Settings of `StreamEngine` (`sluice run`).
public struct EngineConfiguration: Sendable {
    public var connection: ConnectionSettings
    /// Consumer group; processes sharing it share the partitions. Default `sluice-<topology>`.
    public var groupID: String?
    /// Exit once every assigned partition reached its end and all state is written.
    public var untilEnd: Bool = false
    /// Most messages processed in one batch (one Redis write: a pipeline, or one transaction with
    /// a feature log). Larger batches write an entity once for more of its events; the engine
    /// also keeps a batch near a second of work. Default (nil): 100 000 as a pipeline, which Redis
    /// interleaves with lookups, and 20 000 with a feature log, whose transactions readers wait
    /// behind.
    public var maxBatchMessages: Int?

    /// `maxBatchMessages`, or its default for the way batches are written.
    public var batchMessageLimit: Int { maxBatchMessages ?? (offlineLog == nil ? 100_000 : 20_000) }
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
