/// What a caller believes an alias points to before moving it (`--expect-version`): the move
/// happens only if that is still true, so that of two concurrent moves one fails instead of
/// being silently overwritten.
public enum AliasExpectation: Sendable, Equatable {
    /// Move whatever it points to.
    case any
    /// The alias must not exist yet.
    case absent
    case version(Int)
}
