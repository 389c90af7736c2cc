import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceParquet
import SluiceRuntime

/// What a training set holds.
public struct TrainingSetSummary: Sendable, Equatable {
    public var rows = 0
    public var labeled = 0
    public var positives = 0
    /// No label yet, and one may still come (the event is younger than the label delay).
    public var unlabeled = 0
    /// No label within the label delay.
    public var expired = 0
    /// The feature log table's version read, when the log is a Delta table.
    public var tableVersion: Int64?
    /// The newest event time (epoch ms) among the rows; nil without rows.
    public var newestEventTime: Int64?
}
