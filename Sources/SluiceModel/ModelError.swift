import SluiceCore

/// The model module: parsing and (with the scoring work) evaluating model artifacts.
public enum ModelDomain: ErrorDomain {}

/// A model artifact that cannot be used: not its format, truncated, or using a feature this
/// evaluator does not implement.
public typealias ModelError = ModuleError<ModelDomain>

extension ModuleError.Code where Domain == ModelDomain {
    /// Not JSON, truncated, or missing or contradicting a field the format requires.
    public static let malformed = Self("malformed")
    /// A valid model that uses something Sluice does not evaluate (a booster, objective or
    /// categorical splits); the message names it.
    public static let unsupported = Self("unsupported")
}
