/// DDM, the Drift Detection Method of Gama, Medas, Castillo and Rodrigues (2004), on a stream of
/// prediction errors (1 when a matured label disagrees with the decision at the threshold). With
/// pᵢ the error rate after i predictions and sᵢ = √(pᵢ(1 − pᵢ)/i), it remembers the smallest
/// pᵢ + sᵢ seen (after a warm-up), warns when pᵢ + sᵢ > p_min + 2·s_min and signals drift above
/// p_min + 3·s_min, then starts over. A model that starts erring more often than it did at its
/// best is caught however slowly its error rate was estimated. Two choices for the low error
/// rates of fraud models: the warm-up is 100 predictions rather than Gama's 30, and the minimum
/// is only taken where sᵢ > 0 — a run without any error (or without any success) says nothing
/// about the spread, and a minimum of 0 + 0 would call the next error a drift.
public struct DriftDetectionMethod: Sendable, Equatable, Codable {
    public enum Level: String, Sendable, Equatable, Codable {
        case inControl = "in_control"
        case warning
        case drift
    }

    /// Predictions before the minimum is tracked.
    public let warmUp: Int
    public let warningFactor: Double
    public let driftFactor: Double

    public private(set) var count = 0
    public private(set) var errors = 0
    private var minimumRate = Double.infinity
    private var minimumDeviation = Double.infinity
    /// How many times drift was signalled since the detector was made.
    public private(set) var drifts = 0

    public init(warmUp: Int = 100, warningFactor: Double = 2, driftFactor: Double = 3) {
        precondition(warmUp >= 1 && warningFactor > 0 && driftFactor > warningFactor, "DDM needs 0 < warning < drift")
        self.warmUp = warmUp
        self.warningFactor = warningFactor
        self.driftFactor = driftFactor
    }

    /// Adds one prediction's outcome and returns the level it leaves the stream at; after `drift`
    /// the statistics start over.
    public mutating func add(error: Bool) -> Level {
        count += 1
        if error { errors += 1 }
        let rate = Double(errors) / Double(count)
        let deviation = (rate * (1 - rate) / Double(count)).squareRoot()
        guard count >= warmUp else { return .inControl }
        if deviation > 0 && rate + deviation < minimumRate + minimumDeviation {
            minimumRate = rate
            minimumDeviation = deviation
        }
        if rate + deviation > minimumRate + driftFactor * minimumDeviation {
            drifts += 1
            count = 0
            errors = 0
            minimumRate = .infinity
            minimumDeviation = .infinity
            return .drift
        }
        return rate + deviation > minimumRate + warningFactor * minimumDeviation ? .warning : .inControl
    }
}
