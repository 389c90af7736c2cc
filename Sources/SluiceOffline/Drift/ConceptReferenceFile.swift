import SluiceCore
import SluiceDrift
import SluiceParquet

/// The labeled scores concept drift is judged against (`sluice drift run --concept-reference`): a
/// Parquet file with a numeric `score` column and a `label` column (integer or boolean, nonzero
/// or true for fraud), such as `sluice score --model M --input TRAINING_SET` writes. Rows without
/// a score or a label are left out.
public enum ConceptReferenceFile {
    public static func read(_ path: String) throws(OfflineError) -> (scores: [Double], labels: [Bool]) {
        let table: ParquetTable
        do {
            let names = try ParquetReader.fields(path: path).map(\.name)
            for wanted in ["score", "label"] where !names.contains(wanted) {
                throw OfflineError(
                    .invalidSettings,
                    "\(path) has no '\(wanted)' column; a concept reference needs 'score' and 'label' (sluice score writes both)"
                )
            }
            table = try ParquetReader.read(path: path, columns: ["score", "label"])
        } catch let error as OfflineError {
            throw error
        } catch {
            throw OfflineError(.unreadableInput, "cannot read \(path): \(error)")
        }
        let scores: [Double?] =
            switch table.column(named: "score")! {
            case .doubles(let values): values
            case .int64s(let values): values.map { $0.map(Double.init) }
            case .int32s(let values): values.map { $0.map(Double.init) }
            case .strings, .booleans: []
            }
        let labels: [Bool?] =
            switch table.column(named: "label")! {
            case .int64s(let values): values.map { $0.map { $0 != 0 } }
            case .int32s(let values): values.map { $0.map { $0 != 0 } }
            case .booleans(let values): values
            case .doubles(let values): values.map { $0.map { $0 != 0 } }
            case .strings: []
            }
        guard scores.count == table.rowCount, labels.count == table.rowCount else {
            throw OfflineError(.invalidSettings, "\(path): 'score' must be numeric and 'label' an integer or boolean")
        }
        var result: (scores: [Double], labels: [Bool]) = ([], [])
        for (score, label) in zip(scores, labels) {
            guard let score, score.isFinite, let label else { continue }
            result.scores.append(score)
            result.labels.append(label)
        }
        return result
    }

    /// The file has both columns of outcomes.
    public static func hasOutcomes(_ path: String) -> Bool {
        let names = Set((try? ParquetReader.fields(path: path))?.map(\.name) ?? [])
        return names.contains("score") && names.contains("label")
    }

    /// With outcomes in both files, the current file's judged against the reference's (the
    /// report's concept section for two files): no DDM. Nil when either file
    /// has no `score` and `label`.
    public static func compare(reference: String, current: String, threshold: Double = 0.5) throws(OfflineError)
        -> ConceptWindowMetrics?
    {
        guard hasOutcomes(reference), hasOutcomes(current) else { return nil }
        let before = try read(reference)
        let now = try read(current)
        let outcomes = zip(now.scores, now.labels).enumerated().map { index, pair in
            ConceptOutcomes.Outcome(eventTime: 0, order: UInt64(index), score: pair.0, fraud: pair.1, labeled: true)
        }
        var detector = DriftDetectionMethod()
        var metrics = ConceptWindowMetrics.compute(
            outcomes, threshold: threshold,
            reference: ConceptReference(scores: before.scores, labels: before.labels, validation: [:]).deciles,
            validation: [:], detector: &detector)
        metrics.detector = nil  // a file's rows have no time order for DDM to follow
        return metrics
    }
}
