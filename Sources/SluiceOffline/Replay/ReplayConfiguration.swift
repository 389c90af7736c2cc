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
