import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceParquet
import SluiceRuntime

/// Settings of `sluice training-set`.
public struct TrainingSetConfiguration: Sendable {
    /// Root of the feature log (`--features`), holding `<topology>/date=.../*.parquet`.
    public var featuresDirectory: String
    public var topologyName: String
    /// The topology's content hash (the registry's), written to the file's metadata as
    /// `sluice.topology.hash` so that a model trained on it records which topology version made it.
    public var topologyHash: String?
    public var output: String
    /// Labels known after this time (epoch ms) are ignored.
    public var asOf: Int64
    /// Labels that arrive more than this after the event are ignored, and rows whose event is older
    /// than `asOf - labelDelayMax` without a label are `expired` rather than `unlabeled`.
    public var labelDelayMax: Int64 = 30 * 86_400_000
    /// Which snapshot of the feature log table to read; the one read is recorded in the file's
    /// metadata (`sluice.table.path`, `.id`, `.version`).
    public var snapshot: FeatureLogSnapshot = .newest
    /// Only rows whose event time (epoch ms) is in this range are kept (nil: every row).
    public var eventTimes: Range<Int64>?

    public init(featuresDirectory: String, topologyName: String, output: String, asOf: Int64) {
        self.featuresDirectory = featuresDirectory
        self.topologyName = topologyName
        self.output = output
        self.asOf = asOf
    }
}
