import Foundation
import SluiceDrift
import SluiceModel

/// The guards' figures of a rollout stage, from the prediction log (docs/continuous-training.md).
/// Pure: the caller reads the records of the stage (and of the shadow period, for the canary's
/// score PSI) and the labels known now.
public enum RolloutEvidence {
    /// One prediction-log record of the model, as the guards need it.
    public struct Prediction: Sendable, Equatable {
        public var eventID: String
        public var version: Int
        /// True when this score answered the request (champion, canary), false for shadows.
        public var served: Bool
        /// Nil when the version produced no finite score: a failed scoring.
        public var score: Double?
        /// The request's time in the server, microseconds.
        public var latencyMicroseconds: Double
        /// The request's routing key (the record's key in the prediction log).
        public var routingKey: String?

        public init(
            eventID: String, version: Int, served: Bool, score: Double?, latencyMicroseconds: Double,
            routingKey: String? = nil
        ) {
            self.eventID = eventID
            self.version = version
            self.served = served
            self.score = score
            self.latencyMicroseconds = latencyMicroseconds
            self.routingKey = routingKey
        }
    }

    /// Bins of the candidate's shadow-period scores the canary's scores are compared over (the
    /// drift monitor's PSI, numpy's quantile edges).
    public static let scoreBins = 10

    /// The figures of the candidate `version` over the current stage's `records`:
    /// - latency p99 of the requests it answered (none in shadow);
    /// - error rate: the share of its records without a finite score;
    /// - in a canary step, PSI of the scores it answered with against its own shadow-period
    ///   scores of the requests `deployment` routes to it (the same share of routing keys, so that
    ///   a canary's narrower population of cards is not taken for a shift), once both have
    ///   `guards.minimumScores`;
    /// - recall drop: the champion's recall at `threshold` minus the candidate's, each on the
    ///   frauds among its own scored events whose label `label(eventID)` knows now, once both saw
    ///   `guards.minimumFraud`.
    /// In a canary step only the candidate's answers count: shadow scores logged while servers
    /// still followed the shadow deployment are not the canary's.
    public static func observe(
        stage: RolloutController.Stage, version: Int, champion: Int?, records: [Prediction],
        shadowPeriod: [Prediction], deployment: Deployment? = nil, label: (String) -> Int?, threshold: Double,
        guards: TrainingPolicy.Guards
    ) -> RolloutController.Observation {
        var candidate = records.filter { $0.version == version }
        if case .canary = stage { candidate = candidate.filter(\.served) }
        var observation = RolloutController.Observation()
        let answered = candidate.filter(\.served).map { $0.latencyMicroseconds / 1000 }.sorted()
        observation.latencyP99Milliseconds = Quantiles.linear(sorted: answered, q: 0.99)
        if !candidate.isEmpty {
            observation.errorRate = Double(candidate.count { $0.score == nil }) / Double(candidate.count)
        }
        if case .canary = stage {
            let router = deployment.map(DeploymentRouter.init)
            let reference = shadowPeriod.filter { record in
                record.version == version
                    && (router.map { $0.route(key: record.routingKey).version == version } ?? true)
            }.compactMap(\.score).sorted()
            let current = candidate.compactMap(\.score)
            if reference.count >= guards.minimumScores, current.count >= guards.minimumScores {
                observation.scorePSI = psi(reference: reference, current: current)
            }
        }
        if let champion,
            let candidateRecall = recall(candidate, label: label, threshold: threshold, minimum: guards.minimumFraud),
            let championRecall = recall(
                records.filter { $0.version == champion && $0.served }, label: label, threshold: threshold,
                minimum: guards.minimumFraud)
        {
            observation.recallDrop = championRecall - candidateRecall
        }
        return observation
    }

    /// PSI of `current` against ascending `reference` over `scoreBins` quantile bins.
    public static func psi(reference sortedReference: [Double], current: [Double]) -> Double {
        let bins = QuantileBins(sortedReference: sortedReference, bins: scoreBins)
        return Divergence.populationStability(
            reference: Divergence.proportions(bins.counts(sortedReference)),
            current: Divergence.proportions(bins.counts(current)))
    }

    /// The share of labeled frauds among `records` scored at or above `threshold`; nil below
    /// `minimum` frauds. A record without a score counts as a missed fraud.
    static func recall(_ records: [Prediction], label: (String) -> Int?, threshold: Double, minimum: Int) -> Double? {
        var frauds = 0
        var caught = 0
        var seen = Set<String>()
        for record in records where label(record.eventID) == 1 && seen.insert(record.eventID).inserted {
            frauds += 1
            if let score = record.score, score >= threshold { caught += 1 }
        }
        return frauds >= minimum ? Double(caught) / Double(frauds) : nil
    }
}
