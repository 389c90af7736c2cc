/// How each column's drift is decided: by default the method follows the column's kind and the
/// smaller sample's size (tests on small samples, where a distance would be noise; distances on
/// large ones, where every test rejects), each with its customary threshold. Per-column overrides
/// replace the method, the threshold or both.
public struct DriftPolicy: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var method: DriftMethod
        public var threshold: Double

        public init(method: DriftMethod, threshold: Double) {
            self.method = method
            self.threshold = threshold
        }
    }

    /// Samples up to this size are judged by a test's p-value, larger ones by a distance.
    public var smallSampleLimit = 1_000
    public var smallNumeric = Rule(method: .ks, threshold: 0.05)
    public var largeNumeric = Rule(method: .psi, threshold: 0.2)
    public var smallCategorical = Rule(method: .chi2, threshold: 0.05)
    public var largeCategorical = Rule(method: .js, threshold: 0.1)
    /// Per column: the method, and a threshold when it differs from the method's default.
    public var overrides: [String: Override] = [:]

    public struct Override: Sendable, Equatable {
        public var method: DriftMethod?
        public var threshold: Double?

        public init(method: DriftMethod? = nil, threshold: Double? = nil) {
            self.method = method
            self.threshold = threshold
        }
    }

    public init() {}

    /// The customary threshold of each method.
    public static func defaultThreshold(_ method: DriftMethod) -> Double {
        switch method {
        case .ks, .chi2: 0.05
        case .psi: 0.2
        case .kl: 0.1
        case .js: 0.1
        case .wasserstein: 0.1
        }
    }

    /// The rule for a column of `kind` whose smaller sample has `smallerCount` values.
    public func rule(column: String, kind: ColumnKind, smallerCount: Int) -> Rule {
        let small = smallerCount <= smallSampleLimit
        var rule =
            switch kind {
            case .numeric: small ? smallNumeric : largeNumeric
            case .categorical: small ? smallCategorical : largeCategorical
            }
        if let override = overrides[column] {
            if let method = override.method {
                rule = Rule(method: method, threshold: override.threshold ?? Self.defaultThreshold(method))
            } else if let threshold = override.threshold {
                rule.threshold = threshold
            }
        }
        return rule
    }
}
