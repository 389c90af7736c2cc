import Foundation

/// The mixture sequential probability ratio test (mSPRT) of a difference in means between two
/// groups, whose p-value stays valid however often it is looked at (Johari, Koomen, Pekelis and
/// Walsh, "Always valid inference", 2017/2022).
///
/// Observations arrive one at a time, each from group A (the baseline) or B. After each, with
/// θ̂ = mean(B) − mean(A), V = s²_A/n_A + s²_B/n_B its estimated variance, and a normal mixture
/// θ ~ N(0, τ²) over the alternatives, the likelihood ratio is
///
///     Λ = √(V / (V + τ²)) · exp(τ²·θ̂² / (2·V·(V + τ²)))
///
/// and the always-valid p-value is the running minimum of min(1, 1/Λ). τ is `mixtureSD` times
/// the pooled standard deviation of one observation, so the mixture is over effects of about
/// that many standard deviations. The statistic is computed from the time both groups hold two
/// observations; with no spread in either group (V = 0) nothing is learned yet.
public struct SequentialTest: Sendable {
    public let mixtureSD: Double
    public private(set) var pValue = 1.0
    private var baseline = RunningMoments()
    private var treatment = RunningMoments()

    public init(mixtureSD: Double = 0.1) {
        self.mixtureSD = mixtureSD
    }

    /// Difference of the means, treatment − baseline; nil until both have observations.
    public var difference: Double? {
        baseline.count > 0 && treatment.count > 0 ? treatment.mean - baseline.mean : nil
    }

    public var baselineCount: Int { baseline.count }
    public var treatmentCount: Int { treatment.count }

    /// Adds one observation and updates the p-value.
    public mutating func observe(_ value: Double, isTreatment: Bool) {
        if isTreatment { treatment.add(value) } else { baseline.add(value) }
        guard baseline.count > 1, treatment.count > 1 else { return }
        let variance =
            baseline.sampleVariance / Double(baseline.count) + treatment.sampleVariance / Double(treatment.count)
        guard variance > 0 else { return }
        let pooled =
            (baseline.sampleVariance * Double(baseline.count - 1) + treatment.sampleVariance
                * Double(treatment.count - 1)) / Double(baseline.count + treatment.count - 2)
        let tau2 = mixtureSD * mixtureSD * pooled
        let difference = treatment.mean - baseline.mean
        let logRatio =
            0.5 * log(variance / (variance + tau2)) + tau2 * difference * difference
            / (2 * variance * (variance + tau2))
        pValue = min(pValue, min(1, exp(-logRatio)))
    }
}

/// Count, mean and sum of squared deviations by Welford's update (stable for long runs).
struct RunningMoments: Sendable {
    private(set) var count = 0
    private(set) var mean = 0.0
    private var squaredDeviations = 0.0

    mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        squaredDeviations += delta * (value - mean)
    }

    /// With an n − 1 denominator; 0 below two values.
    var sampleVariance: Double { count > 1 ? squaredDeviations / Double(count - 1) : 0 }
}
