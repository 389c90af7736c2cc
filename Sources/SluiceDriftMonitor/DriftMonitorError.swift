import SluiceCore

/// The live drift monitor (`sluice drift run`).
public enum DriftMonitorDomain: ErrorDomain {}

/// A failure of the live drift monitor: its plan (reference columns that match no stream), its
/// topics, or the broker.
public typealias DriftMonitorError = ModuleError<DriftMonitorDomain>

extension ModuleError.Code where Domain == DriftMonitorDomain {
    /// The reference and the topology do not make a monitor: a column matches no stream, or none
    /// is left to monitor.
    public static let invalidPlan = Self("invalidPlan")
    /// A source topic does not exist or has no partitions.
    public static let topicMissing = Self("topicMissing")
    /// The broker failed in a way retrying does not fix (for example a commit refused).
    public static let broker = Self("broker")
}
