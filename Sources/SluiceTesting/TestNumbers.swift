/// Comparisons of computed values with their reference.
public enum TestNumbers {
    /// Both nil, or equal within a relative 1e-9 (at least 1e-9 absolute): what separates a
    /// different summation order from a wrong value.
    public static func close(_ value: Double?, _ expected: Double?) -> Bool {
        switch (value, expected) {
        case (nil, nil): true
        case (let value?, let expected?): abs(value - expected) <= 1e-9 * max(1, abs(expected))
        default: false
        }
    }
}
