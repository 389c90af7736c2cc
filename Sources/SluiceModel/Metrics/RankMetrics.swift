/// Ranking quality of scores against binary labels, exact and without sampling.
public enum RankMetrics {
    /// ROC-AUC and the DeLong estimate of its variance.
    public struct AUC: Sendable, Equatable {
        /// The probability that a random positive scores above a random negative, ties counting
        /// one half (the Mann-Whitney U statistic over n1·n0).
        public var value: Double
        /// DeLong, DeLong and Clarke-Pearson (1988): S10/n1 + S01/n0, from the structural
        /// components of each positive and negative (sample variances, n - 1 denominators). Nil
        /// with fewer than two of either class.
        public var variance: Double?
    }

    /// ROC-AUC. Nil without both classes. Sorts once: O(n log n).
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double? {
        auc(scores: scores, labels: labels)?.value
    }

    /// ROC-AUC with its DeLong variance, from midranks: a positive's structural component is the
    /// share of negatives it outscores, (rank among all − rank among positives) / n0; a
    /// negative's is the share of positives that outscore it, 1 − (rank among all − rank among
    /// negatives) / n1; ties count one half throughout. Nil without both classes.
    public static func auc(scores: [Double], labels: [Bool]) -> AUC? {
        precondition(scores.count == labels.count)
        let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveComponents: [Double] = []
        var negativeComponents: [Double] = []
        positiveComponents.reserveCapacity(positives)
        negativeComponents.reserveCapacity(negatives)
        // Ranks (1-based) of each class's members seen so far, below the current tie group.
        var positivesBelow = 0
        var negativesBelow = 0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            var tiedPositives = 0
            for position in start...end where labels[order[position]] { tiedPositives += 1 }
            let tiedNegatives = end - start + 1 - tiedPositives
            // Within a tie group, every member's midrank is the group's average rank.
            let rankAll = Double(start + end + 2) / 2
            if tiedPositives > 0 {
                let rankPositive = Double(positivesBelow) + Double(tiedPositives + 1) / 2
                let component = (rankAll - rankPositive) / Double(negatives)
                positiveComponents.append(contentsOf: repeatElement(component, count: tiedPositives))
            }
            if tiedNegatives > 0 {
                let rankNegative = Double(negativesBelow) + Double(tiedNegatives + 1) / 2
                let component = 1 - (rankAll - rankNegative) / Double(positives)
                negativeComponents.append(contentsOf: repeatElement(component, count: tiedNegatives))
            }
            positivesBelow += tiedPositives
            negativesBelow += tiedNegatives
            start = end + 1
        }
        let value = positiveComponents.reduce(0, +) / Double(positives)
        guard positives > 1, negatives > 1 else { return AUC(value: value, variance: nil) }
        func sampleVariance(_ values: [Double]) -> Double {
            let mean = values.reduce(0, +) / Double(values.count)
            return values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        }
        let variance =
            sampleVariance(positiveComponents) / Double(positives) + sampleVariance(negativeComponents)
            / Double(negatives)
        return AUC(value: value, variance: variance)
    }
}
