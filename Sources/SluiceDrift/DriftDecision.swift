/// A column's verdict: the method's value against its threshold.
public struct DriftDecision: Sendable, Equatable {
    public var method: DriftMethod
    public var value: Double
    public var threshold: Double
    public var drifted: Bool

    public init(method: DriftMethod, value: Double, threshold: Double) {
        self.method = method
        self.value = value
        self.threshold = threshold
        drifted = method.isPValue ? value < threshold : value >= threshold
    }

    /// How far past (above 1) or short of (below 1) its threshold the value is, for sorting
    /// columns by severity across methods.
    public var severity: Double {
        if method.isPValue { return threshold / max(value, Double.leastNormalMagnitude) }
        return threshold > 0 ? value / threshold : (value > 0 ? .infinity : 0)
    }
}
