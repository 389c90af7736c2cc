import SluiceModel

/// How each variant of a model's deployment did, from its outcomes: per variant (variant name
/// and version), request counts, then quality on the matured outcomes with 95% confidence
/// intervals, and for each other answering variant an always-valid comparison with the baseline.
/// docs/scoring.md states every definition and method.
public struct ExperimentReport: Sendable, Codable, Equatable {
    /// A point estimate and its 95% confidence interval (nil where the data cannot give one).
    public struct Estimate: Sendable, Codable, Equatable {
        public var value: Double?
        public var interval: ConfidenceInterval?

        public init(_ value: Double?, _ interval: ConfidenceInterval? = nil) {
            self.value = value
            self.interval = interval
        }
    }

    /// A variant against the baseline, on the Brier score (squared error of the score against
    /// the matured outcome, lower is better) by the mixture sequential probability ratio test.
    public struct Comparison: Sendable, Codable, Equatable {
        public var baseline: String
        /// Mean Brier score of this variant minus the baseline's.
        public var brierDifference: Double?
        /// Always valid: the chance of a difference this strong under no difference, however
        /// often the report has been looked at.
        public var pValue: Double
    }

    public struct Variant: Sendable, Codable, Equatable {
        public var variant: String
        public var version: Int
        public var served: Bool
        public var requests = 0
        public var matured = 0
        public var labeled = 0
        public var fraud = 0
        public var pending = 0
        public var fraudRate = Estimate(nil)
        public var rocAUC = Estimate(nil)
        public var prAUC = Estimate(nil)
        public var precision = Estimate(nil)
        public var recall = Estimate(nil)
        public var recallAt1PercentFPR = Estimate(nil)
        public var brierScore: Double?
        /// Of the served records' request latency (µs); shadows record the request they shadowed.
        public var latencyP99Microseconds = Estimate(nil)
        public var comparison: Comparison?

        /// "champion v3", "shadow v4".
        public var label: String { "\(variant) v\(version)" }
    }

    public var model: String
    public var asOf: Int64
    public var labelDelayMax: Int64
    public var threshold: Double
    public var variants: [Variant]

    /// - Parameters:
    ///   - outcomes: the model's outcomes as of `join.asOf`.
    ///   - champion: the deployment's champion version at the as-of time: its served variant is
    ///     the baseline (else the served variant with the most requests).
    ///   - mixtureSD: the mSPRT mixture's spread, in standard deviations of one Brier score.
    public static func build(
        model: String, outcomes: [Outcome], join: OutcomeJoin, threshold: Double, champion: Int?,
        mixtureSD: Double = 0.1
    ) -> ExperimentReport {
        var groups: [GroupKey: [Outcome]] = [:]
        for outcome in outcomes {
            let prediction = outcome.prediction
            groups[
                GroupKey(variant: prediction.variant, version: prediction.version, served: prediction.served),
                default: []
            ]
            .append(outcome)
        }
        let keys = groups.keys.sorted { a, b in
            if a.served != b.served { return a.served }
            let (countA, countB) = (groups[a]!.count, groups[b]!.count)
            return countA != countB ? countA > countB : (a.variant, a.version) < (b.variant, b.version)
        }
        var variants = keys.map { variant($0, groups[$0]!, threshold: threshold) }
        let served = keys.filter(\.served)
        let baseline = served.first { $0.variant == "champion" && $0.version == champion } ?? served.first
        if let baseline {
            let baselineLabel = "\(baseline.variant) v\(baseline.version)"
            for (index, key) in keys.enumerated() where key.served && key != baseline {
                variants[index].comparison = compare(
                    groups[key]!, against: groups[baseline]!, baseline: baselineLabel, mixtureSD: mixtureSD)
            }
        }
        return ExperimentReport(
            model: model, asOf: join.asOf, labelDelayMax: join.labelDelayMax, threshold: threshold, variants: variants)
    }

    private struct GroupKey: Hashable {
        var variant: String
        var version: Int
        var served: Bool
    }

    private static func variant(_ key: GroupKey, _ outcomes: [Outcome], threshold: Double) -> Variant {
        var result = Variant(variant: key.variant, version: key.version, served: key.served)
        result.requests = outcomes.count
        result.labeled = outcomes.count { $0.status == .labeled }
        result.pending = outcomes.count { $0.status == .pending }
        let matured = outcomes.filter(\.isMatured)
        result.matured = matured.count
        let labels = matured.map(\.isFraud)
        let scores = matured.map(\.prediction.score)
        result.fraud = labels.count { $0 }
        result.fraudRate = Estimate(
            matured.isEmpty ? nil : Double(result.fraud) / Double(matured.count),
            ConfidenceInterval.wilson(successes: result.fraud, trials: matured.count))
        if let auc = RankMetrics.auc(scores: scores, labels: labels) {
            result.rocAUC = Estimate(
                auc.value, auc.variance.map { ConfidenceInterval.normal(estimate: auc.value, variance: $0) })
        }
        let curve = ScoreCurve(scores: scores, labels: labels)
        if let averagePrecision = curve.averagePrecision {
            result.prAUC = Estimate(
                averagePrecision, ConfidenceInterval.logit(estimate: averagePrecision, positives: curve.positives))
        }
        let confusion = curve.confusion(threshold: threshold)
        result.precision = Estimate(
            confusion.precision,
            ConfidenceInterval.wilson(
                successes: confusion.truePositives, trials: confusion.truePositives + confusion.falsePositives))
        result.recall = Estimate(
            confusion.recall, ConfidenceInterval.wilson(successes: confusion.truePositives, trials: curve.positives))
        if let recall = curve.recall(atFalsePositiveRate: 0.01) {
            let caught = Int((recall * Double(curve.positives)).rounded())
            result.recallAt1PercentFPR = Estimate(
                recall, ConfidenceInterval.wilson(successes: caught, trials: curve.positives))
        }
        if !matured.isEmpty {
            result.brierScore = brierScores(matured).reduce(0, +) / Double(matured.count)
        }
        if key.served {
            let latencies = outcomes.map(\.prediction.latencyMicroseconds).sorted()
            result.latencyP99Microseconds = Estimate(
                Quantiles.linear(sorted: latencies, q: 0.99),
                ConfidenceInterval.quantile(sorted: latencies, q: 0.99))
        }
        return result
    }

    private static func brierScores(_ outcomes: [Outcome]) -> [Double] {
        outcomes.map { outcome in
            let error = outcome.prediction.score - (outcome.isFraud ? 1 : 0)
            return error * error
        }
    }

    /// The mSPRT over both variants' matured outcomes in the order they matured (event time).
    private static func compare(
        _ treatment: [Outcome], against baseline: [Outcome], baseline label: String, mixtureSD: Double
    ) -> Comparison {
        let observations =
            (baseline.filter(\.isMatured).map { ($0, false) } + treatment.filter(\.isMatured).map { ($0, true) })
            .sorted { a, b in
                (a.0.prediction.eventTime, a.0.prediction.requestID) < (
                    b.0.prediction.eventTime, b.0.prediction.requestID
                )
            }
        var test = SequentialTest(mixtureSD: mixtureSD)
        for (outcome, isTreatment) in observations {
            let error = outcome.prediction.score - (outcome.isFraud ? 1 : 0)
            test.observe(error * error, isTreatment: isTreatment)
        }
        return Comparison(baseline: label, brierDifference: test.difference, pValue: test.pValue)
    }
}
