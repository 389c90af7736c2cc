import Foundation
import SluiceModel

/// How one variant did in one event-time window once its labels matured: quality at the
/// decision threshold and over all thresholds, calibration by score decile, the change of
/// P(fraud | score) against the reference, the registry's validation figures next to the live
/// ones, and the DDM detector's state after the window's errors. docs/drift.md defines each.
public struct ConceptWindowMetrics: Sendable, Codable, Equatable {
    /// One score decile (the reference's deciles, else the window's own).
    public struct CalibrationBin: Sendable, Codable, Equatable {
        public var decile: Int
        public var count: Int
        public var meanScore: Double?
        public var fraudRate: Double?
        public var referenceFraudRate: Double?

        private enum CodingKeys: String, CodingKey {
            case decile, count
            case meanScore = "mean_score"
            case fraudRate = "fraud_rate"
            case referenceFraudRate = "reference_fraud_rate"
        }
    }

    /// DDM on the window's per-prediction errors (a matured label disagreeing with the decision
    /// at the threshold), in event-time order, continuing from the previous windows.
    public struct Detector: Sendable, Codable, Equatable {
        /// The level after the window's last error.
        public var level: DriftDetectionMethod.Level
        /// Drift signals within the window.
        public var drifts: Int
        /// The window's share of errors.
        public var errorRate: Double?

        private enum CodingKeys: String, CodingKey {
            case level, drifts
            case errorRate = "error_rate"
        }
    }

    public var predictions = 0
    /// Predictions with a known label (the rest count as legitimate past the label delay).
    public var labeled = 0
    public var fraud = 0
    public var fraudRate: Double?
    public var threshold: Double
    public var rocAUC: Double?
    /// Average precision (scikit-learn's `average_precision_score`).
    public var prAUC: Double?
    public var precision: Double?
    public var recall: Double?
    public var recallAt1PercentFPR: Double?
    /// Mean binary cross-entropy, probabilities clipped to [ε, 1 − ε] with ε the double's machine
    /// epsilon (scikit-learn's `log_loss`).
    public var logLoss: Double?
    /// Mean squared difference of score and outcome.
    public var brier: Double?
    public var calibration: [CalibrationBin] = []
    /// Σ over deciles of (count / predictions) · |mean score − fraud rate|.
    public var expectedCalibrationError: Double?
    /// PSI of the window's scores against the reference's on the reference's deciles: whether
    /// P(X), as the model sees it, moved.
    public var scorePSI: Double?
    /// Deciles whose fraud rate moved against the reference's.
    public var shifts: [ScoreDeciles.Shift] = []
    /// P(Y|X) changed: some decile's fraud rate moved while the score distribution did not
    /// (score PSI below the threshold).
    public var conditionalShift = false
    /// The version's metrics in the registry.
    public var validation: [String: Double] = [:]
    /// Live minus validation, for each metric both have (registry names).
    public var changes: [String: Double] = [:]
    /// Nil where outcomes have no time order (two files compared).
    public var detector: Detector?

    private enum CodingKeys: String, CodingKey {
        case predictions, labeled, fraud, threshold, precision, recall, brier, calibration, shifts, validation, changes
        case fraudRate = "fraud_rate"
        case rocAUC = "roc_auc"
        case prAUC = "pr_auc"
        case recallAt1PercentFPR = "recall_at_1pct_fpr"
        case logLoss = "log_loss"
        case expectedCalibrationError = "expected_calibration_error"
        case scorePSI = "score_psi"
        case conditionalShift = "conditional_shift"
        case detector = "ddm"
    }

    /// The live figures by the registry's metric names (as scripts/train writes them).
    public var namedFigures: [String: Double] {
        var figures: [String: Double] = [:]
        let named: [(String, Double?)] = [
            ("roc_auc", rocAUC), ("pr_auc", prAUC), ("precision", precision), ("recall", recall),
            ("recall_at_1pct_fpr", recallAt1PercentFPR), ("log_loss", logLoss), ("brier", brier),
        ]
        for (name, value) in named { if let value { figures[name] = value } }
        return figures
    }

    /// - Parameters:
    ///   - outcomes: the window's outcomes of one variant, in event-time order (`ConceptOutcomes.sorted`).
    ///   - validation: the variant's version's registered metrics.
    ///   - detector: the variant's DDM, fed this window's errors.
    ///   - psiThreshold: score PSI at or above which the scores themselves moved, so that a moved
    ///     fraud rate is not called a change of P(Y|X) alone.
    public static func compute(
        _ outcomes: [ConceptOutcomes.Outcome], threshold: Double, reference: ScoreDeciles?,
        validation: [String: Double], detector: inout DriftDetectionMethod, psiThreshold: Double = 0.2
    ) -> ConceptWindowMetrics {
        let scores = outcomes.map(\.score)
        let labels = outcomes.map(\.fraud)
        var metrics = ConceptWindowMetrics(threshold: threshold, detector: Detector(level: .inControl, drifts: 0))
        metrics.predictions = outcomes.count
        metrics.labeled = outcomes.count(where: \.labeled)
        metrics.fraud = labels.count { $0 }
        var errors = 0
        let driftsBefore = detector.drifts
        var level = DriftDetectionMethod.Level.inControl
        for outcome in outcomes {
            let error = (outcome.score >= threshold) != outcome.fraud
            if error { errors += 1 }
            level = detector.add(error: error)
        }
        metrics.detector = Detector(
            level: level, drifts: detector.drifts - driftsBefore,
            errorRate: outcomes.isEmpty ? nil : Double(errors) / Double(outcomes.count))
        guard !outcomes.isEmpty else { return metrics }
        let count = Double(outcomes.count)
        metrics.fraudRate = Double(metrics.fraud) / count
        metrics.rocAUC = RankMetrics.rocAUC(scores: scores, labels: labels)
        let curve = ScoreCurve(scores: scores, labels: labels)
        metrics.prAUC = curve.averagePrecision
        let confusion = curve.confusion(threshold: threshold)
        metrics.precision = confusion.precision
        metrics.recall = confusion.recall
        metrics.recallAt1PercentFPR = curve.negatives > 0 ? curve.recall(atFalsePositiveRate: 0.01) : nil
        let epsilon = Double.ulpOfOne
        var logLoss = 0.0
        var brier = 0.0
        for outcome in outcomes {
            let probability = min(max(outcome.fraud ? outcome.score : 1 - outcome.score, epsilon), 1 - epsilon)
            logLoss -= log(probability)
            let error = outcome.score - (outcome.fraud ? 1 : 0)
            brier += error * error
        }
        metrics.logLoss = logLoss / count
        metrics.brier = brier / count
        metrics.calibrate(outcomes, reference: reference, psiThreshold: psiThreshold)
        metrics.validation = validation
        for (name, value) in metrics.namedFigures {
            if let validated = validation[name] { metrics.changes[name] = value - validated }
        }
        return metrics
    }

    private mutating func calibrate(
        _ outcomes: [ConceptOutcomes.Outcome], reference: ScoreDeciles?, psiThreshold: Double
    ) {
        guard var deciles = reference.map({ ScoreDeciles(bins: $0.bins) }) ?? ownDeciles(outcomes) else { return }
        for outcome in outcomes { deciles.add(score: outcome.score, fraud: outcome.fraud) }
        var weightedGap = 0.0
        for (index, group) in deciles.groups.enumerated() {
            calibration.append(
                CalibrationBin(
                    decile: index, count: group.count, meanScore: group.meanScore, fraudRate: group.fraudRate,
                    referenceFraudRate: reference?.groups[index].fraudRate))
            if let meanScore = group.meanScore, let rate = group.fraudRate {
                weightedGap += Double(group.count) * abs(meanScore - rate)
            }
        }
        expectedCalibrationError = weightedGap / Double(outcomes.count)
        guard let reference else { return }
        scorePSI = Divergence.populationStability(
            reference: Divergence.proportions(reference.groups.map(\.count)),
            current: Divergence.proportions(deciles.groups.map(\.count)))
        shifts = deciles.shifts(against: reference)
        conditionalShift = !shifts.isEmpty && (scorePSI ?? 0) < psiThreshold
    }

    /// Deciles of the window's own scores, for calibration without a reference (10 or more scores).
    private func ownDeciles(_ outcomes: [ConceptOutcomes.Outcome]) -> ScoreDeciles? {
        outcomes.count >= 10 ? ScoreDeciles(bins: ScoreDeciles(referenceScores: outcomes.map(\.score)).bins) : nil
    }
}
