import SluiceCore

/// The offline store's modules: the feature log, replay, the skew check, training sets.
public enum OfflineDomain: ErrorDomain {}

/// A failure of the offline store: the feature log, replay, the skew check or a training set.
public typealias OfflineError = ModuleError<OfflineDomain>

extension ModuleError.Code where Domain == OfflineDomain {
    /// A file or folder could not be created, written, renamed or read; the message has the
    /// operating system's reason.
    public static let fileSystem = Self("fileSystem")
    /// No feature log where one was expected.
    public static let logMissing = Self("logMissing")
    /// A Parquet file is not a Sluice feature log, or its columns disagree with the others'.
    public static let notAFeatureLog = Self("notAFeatureLog")
    /// A Parquet file given as a training set is not one.
    public static let notATrainingSet = Self("notATrainingSet")
    /// Two logs (or a log and a topology) have different feature columns.
    public static let columnsDiffer = Self("columnsDiffer")
    /// A Kafka topic to read does not exist or has no partitions.
    public static let topicMissing = Self("topicMissing")
    /// An input file is not a Parquet file this reader understands, or lacks a column asked for.
    public static let unreadableInput = Self("unreadableInput")
    /// Settings that cannot work, such as fewer than two drift bins.
    public static let invalidSettings = Self("invalidSettings")
    /// The drift topic has no closed window at the time asked for.
    public static let windowMissing = Self("windowMissing")
    /// A topic did not reach its end in time.
    public static let timedOut = Self("timedOut")
}
