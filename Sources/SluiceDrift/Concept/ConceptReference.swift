/// What live outcomes are judged against: the model's validation metrics from the registry, per
/// version, and, for calibration and P(Y|X), labeled reference scores cut into deciles (the
/// scored training set, `--concept-reference`). Either part may be missing; the figures that
/// need it are then left out.
public struct ConceptReference: Sendable {
    /// The reference's deciles with its fraud rate in each; nil without reference scores.
    public let deciles: ScoreDeciles?
    /// Per model version, its registered metrics (`roc_auc`, `pr_auc`, `recall_at_1pct_fpr`, ...).
    public let validation: [Int: [String: Double]]

    /// - Parameters:
    ///   - scores: reference scores with `labels` (true: fraud) of the same rows; fewer than ten
    ///     finite scores give no deciles.
    public init(scores: [Double], labels: [Bool], validation: [Int: [String: Double]]) {
        precondition(scores.count == labels.count, "a reference score needs its label")
        let finite = scores.indices.filter { scores[$0].isFinite }
        if finite.count >= 10 {
            var deciles = ScoreDeciles(referenceScores: finite.map { scores[$0] })
            for index in finite { deciles.add(score: scores[index], fraud: labels[index]) }
            self.deciles = deciles
        } else {
            deciles = nil
        }
        self.validation = validation
    }

    public init(validation: [Int: [String: Double]] = [:]) {
        deciles = nil
        self.validation = validation
    }
}
