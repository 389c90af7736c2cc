import Foundation
import SluiceCore
import SluiceModel
import SluiceParquet
import SluiceTraining

/// Continuous training's evaluation step: the candidate and the champion scored by Sluice's own
/// evaluator on the same time-split holdout of a training set (its labeled rows of the newest
/// `holdout` milliseconds of event time), their quality figures, and the gate's verdict.
public enum HoldoutEvaluation {
    /// A model to score: its evaluator and its input columns in order.
    public struct Model: Sendable {
        public var scorer: XGBoostScorer
        public var signature: [String]

        public init(scorer: XGBoostScorer, signature: [String]) {
            self.scorer = scorer
            self.signature = signature
        }
    }

    public struct Result: Sendable, Equatable {
        /// The holdout's first event time (epoch ms); it runs to the set's newest event.
        public var holdoutStart: Int64
        public var rows: Int
        public var candidate: ModelQuality
        public var champion: ModelQuality?
        public var verdict: EvaluationGate.Verdict
    }

    public static func run(
        trainingSet path: String, holdout: Int64, candidate: Model, champion: Model?,
        rules: [TrainingPolicy.GateRule]
    ) throws(OfflineError) -> Result {
        let table: ParquetTable
        do {
            table = try ParquetReader.read(path: path)
        } catch {
            throw OfflineError(.notAFeatureLog, "cannot read \(path): \(error)")
        }
        let labels = try TrainingSetLabels(table, path: path)
        guard case .int64s(let times)? = table.column(named: "event_time") else {
            throw OfflineError(.columnsDiffer, "\(path) is not a training set (it has no event_time)")
        }
        guard let newest = times.compactMap({ $0 }).max() else {
            throw OfflineError(.columnsDiffer, "\(path) has no rows with an event time")
        }
        let start = newest - holdout
        var rows: [Int] = []
        var outcomes: [Bool] = []
        for row in 0..<table.rowCount where (times[row] ?? .min) >= start {
            guard let outcome = labels.outcome(row) else { continue }
            rows.append(row)
            outcomes.append(outcome)
        }
        func quality(_ model: Model) throws(OfflineError) -> ModelQuality {
            let matrix = try ParquetScoring.inputs(table, signature: model.signature, rows: rows, source: path)
            var scores = [Float](repeating: 0, count: rows.count)
            matrix.withUnsafeBufferPointer { matrix in
                scores.withUnsafeMutableBufferPointer { scores in
                    model.scorer.score(matrix: matrix, rowCount: rows.count, into: scores)
                }
            }
            return ModelQuality(scores: scores.map(Double.init), labels: outcomes)
        }
        let candidateQuality = try quality(candidate)
        let championQuality = try champion.map { model throws(OfflineError) in try quality(model) }
        return Result(
            holdoutStart: start, rows: rows.count, candidate: candidateQuality, champion: championQuality,
            verdict: EvaluationGate.judge(candidate: candidateQuality, champion: championQuality, rules: rules))
    }
}
