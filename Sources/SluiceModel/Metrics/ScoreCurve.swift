/// Scores against binary labels, sorted once: at every distinct score, from the highest down,
/// how many positives and negatives score at or above it. Precision, recall, the PR curve and
/// the ROC curve's points all read from it; a score at or above a threshold is a decision to
/// decline (flagged).
public struct ScoreCurve: Sendable {
    /// Counts of one decision threshold.
    public struct Confusion: Sendable, Equatable {
        public var truePositives = 0
        public var falsePositives = 0
        public var falseNegatives = 0
        public var trueNegatives = 0

        /// Flagged positives over flagged; nil when nothing is flagged.
        public var precision: Double? {
            let flagged = truePositives + falsePositives
            return flagged == 0 ? nil : Double(truePositives) / Double(flagged)
        }

        /// Flagged positives over positives; nil without positives.
        public var recall: Double? {
            let positives = truePositives + falseNegatives
            return positives == 0 ? nil : Double(truePositives) / Double(positives)
        }
    }

    public let positives: Int
    public let negatives: Int
    /// Distinct scores, descending.
    public let thresholds: [Double]
    /// Positives and negatives scoring at or above `thresholds[i]`.
    private let truePositives: [Int]
    private let falsePositives: [Int]

    public init(scores: [Double], labels: [Bool]) {
        precondition(scores.count == labels.count)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = []
        var truePositives: [Int] = []
        var falsePositives: [Int] = []
        var tp = 0
        var fp = 0
        for (position, index) in order.enumerated() {
            if labels[index] { tp += 1 } else { fp += 1 }
            let lastOfGroup = position + 1 == order.count || scores[order[position + 1]] != scores[index]
            if lastOfGroup {
                thresholds.append(scores[index])
                truePositives.append(tp)
                falsePositives.append(fp)
            }
        }
        positives = tp
        negatives = fp
        self.thresholds = thresholds
        self.truePositives = truePositives
        self.falsePositives = falsePositives
    }

    /// Average precision, the area under the precision-recall curve as a step function:
    /// Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct thresholds from the highest down (scikit-learn's
    /// `average_precision_score`). Nil without positives.
    public var averagePrecision: Double? {
        guard positives > 0 else { return nil }
        var sum = 0.0
        var previousRecall = 0.0
        for index in thresholds.indices {
            let recall = Double(truePositives[index]) / Double(positives)
            let precision = Double(truePositives[index]) / Double(truePositives[index] + falsePositives[index])
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return sum
    }

    /// The highest recall (true-positive rate) among thresholds whose false-positive rate is at
    /// most `rate`, counting the threshold above every score (recall 0). Nil without both classes.
    public func recall(atFalsePositiveRate rate: Double) -> Double? {
        guard positives > 0, negatives > 0 else { return nil }
        var best = 0
        for index in thresholds.indices where Double(falsePositives[index]) / Double(negatives) <= rate {
            best = max(best, truePositives[index])
        }
        return Double(best) / Double(positives)
    }

    /// Counts when every score at or above `threshold` is flagged.
    public func confusion(threshold: Double) -> Confusion {
        // The last distinct score still at or above the threshold (thresholds descend).
        var low = 0
        var high = thresholds.count
        while low < high {
            let middle = (low + high) / 2
            if thresholds[middle] >= threshold { low = middle + 1 } else { high = middle }
        }
        let tp = low == 0 ? 0 : truePositives[low - 1]
        let fp = low == 0 ? 0 : falsePositives[low - 1]
        return Confusion(
            truePositives: tp, falsePositives: fp, falseNegatives: positives - tp, trueNegatives: negatives - fp)
    }
}
