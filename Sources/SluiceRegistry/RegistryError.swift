import SluiceCore

/// The registry's modules: its model, its SQL, its backends and the artifact store.
public enum RegistryDomain: ErrorDomain {}

/// A failure of the registry. Every write either commits whole or leaves the store unchanged, so
/// an error never means a half-written version, alias move or topology.
public typealias RegistryError = ModuleError<RegistryDomain>

extension ModuleError.Code where Domain == RegistryDomain {
    /// A name, version, alias, tag, metric or time given by the caller is malformed.
    public static let invalidArgument = Self("invalidArgument")
    /// The model, version, alias or view asked for is not registered.
    public static let notFound = Self("notFound")
    /// `--expect-version` did not hold: someone else moved the alias first.
    public static let conflict = Self("conflict")
    /// The write would break something that depends on what it changes (a feature used by a
    /// model version an alias points to); `--force` overrides.
    public static let refused = Self("refused")
    /// The artifact is missing, unreadable, not in its format, or does not match its hash.
    public static let invalidArtifact = Self("invalidArtifact")
    /// The model's input columns are not all columns of a registered topology version.
    public static let unknownColumns = Self("unknownColumns")
    /// The store could not be opened or reached, or a statement failed.
    public static let storeUnavailable = Self("storeUnavailable")
    /// Another process holds the store's write lock longer than the busy timeout.
    public static let storeLocked = Self("storeLocked")
    /// The store was written by a newer Sluice whose schema this binary does not know.
    public static let schemaTooNew = Self("schemaTooNew")
    /// The store's contents are not what this Sluice wrote (a row that does not decode).
    public static let corrupt = Self("corrupt")
    /// The artifact store's folder could not be written or read.
    public static let fileSystem = Self("fileSystem")
}
