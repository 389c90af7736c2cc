import SluiceModel

/// A model's quality on labeled predictions: the figures the policy's triggers and gate compare
/// (PR-AUC as scikit-learn's average precision, ROC-AUC, recall at 1% false-positive rate), with
/// the counts they rest on. A figure is nil where it is undefined (no positives, one class).
public struct ModelQuality: Sendable, Equatable {
    public var labeled: Int
    public var positives: Int
    public var prAUC: Double?
    public var rocAUC: Double?
    public var recallAt1PercentFPR: Double?

    public init(labeled: Int, positives: Int, prAUC: Double?, rocAUC: Double?, recallAt1PercentFPR: Double?) {
        self.labeled = labeled
        self.positives = positives
        self.prAUC = prAUC
        self.rocAUC = rocAUC
        self.recallAt1PercentFPR = recallAt1PercentFPR
    }

    /// The figures of `scores` against `labels` (true: fraud).
    public init(scores: [Double], labels: [Bool]) {
        let curve = ScoreCurve(scores: scores, labels: labels)
        self.init(
            labeled: scores.count, positives: curve.positives, prAUC: curve.averagePrecision,
            rocAUC: RankMetrics.rocAUC(scores: scores, labels: labels),
            recallAt1PercentFPR: curve.recall(atFalsePositiveRate: 0.01))
    }

    public subscript(metric: QualityMetric) -> Double? {
        switch metric {
        case .prAUC: prAUC
        case .rocAUC: rocAUC
        case .recallAt1PercentFPR: recallAt1PercentFPR
        }
    }
}
