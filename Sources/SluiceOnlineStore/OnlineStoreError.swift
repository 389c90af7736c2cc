import SluiceCore

/// The online store's module.
public enum OnlineStoreDomain: ErrorDomain {}

/// A failure reading or writing the online store, other than the Redis client's own
/// (`RedisError`, which passes through unchanged).
public typealias OnlineStoreError = ModuleError<OnlineStoreDomain>

extension ModuleError.Code where Domain == OnlineStoreDomain {
    /// A read named a view the topology does not have.
    public static let unknownView = Self("unknownView")
    /// A stored value (a tile, a tile run, a partition's progress) could not be decoded: the
    /// keys were written by something else, or damaged.
    public static let corruptValue = Self("corruptValue")
    /// Redis answered a command with an error reply or an unexpected shape.
    public static let unexpectedReply = Self("unexpectedReply")
}
