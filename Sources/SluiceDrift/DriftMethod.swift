/// The statistic a column's drift decision is taken on, and which way its threshold points.
public enum DriftMethod: String, Sendable, CaseIterable, Codable {
    /// Kolmogorov-Smirnov p-value: drift when below the threshold.
    case ks
    /// Chi-square p-value: drift when below the threshold.
    case chi2
    /// Population stability index: drift at or above the threshold.
    case psi
    /// Kullback-Leibler divergence: drift at or above the threshold.
    case kl
    /// Jensen-Shannon distance: drift at or above the threshold.
    case js
    /// Wasserstein distance over the reference's standard deviation: drift at or above.
    case wasserstein

    /// Whether the method's value is a p-value (small means drift) rather than a distance.
    public var isPValue: Bool { self == .ks || self == .chi2 }

    /// Whether the method applies to a column of this kind.
    public func applies(to kind: ColumnKind) -> Bool {
        switch self {
        case .ks, .wasserstein: kind == .numeric
        case .chi2: kind == .categorical
        case .psi, .kl, .js: true
        }
    }
}

/// Numeric columns are compared by their values; string and boolean columns by category counts.
public enum ColumnKind: String, Sendable, Codable {
    case numeric
    case categorical
}
