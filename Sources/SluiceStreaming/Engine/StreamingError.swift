import SluiceCore

/// The streaming engine's module.
public enum StreamingDomain: ErrorDomain {}

/// A failure that stops the streaming engine, with what to do about it. Failures the engine
/// rides out (Redis or broker outages, bad events) are retried, dead-lettered and counted
/// instead; the client libraries' own errors (`KafkaError`, `RedisError`) pass through unchanged.
public typealias StreamingError = ModuleError<StreamingDomain>

extension ModuleError.Code where Domain == StreamingDomain {
    /// The topology's source topic does not exist on the broker.
    public static let sourceTopicMissing = Self("sourceTopicMissing")
    /// With `untilEnd`, no partition was assigned in time: the group is busy elsewhere.
    public static let noAssignment = Self("noAssignment")
}
