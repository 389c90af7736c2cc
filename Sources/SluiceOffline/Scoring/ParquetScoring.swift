import Foundation
import SluiceCore
import SluiceModel
import SluiceParquet

/// Scores the rows of a training set or feature log with a model: the model's input columns are
/// read by name in signature order (a null is a missing value), and the output holds the row's
/// `event_id`, its label columns when it has them, and `score`.
public enum ParquetScoring {
    public struct Summary: Sendable, Equatable {
        public var rows = 0
        public var meanScore = 0.0
        /// Rows whose `label_status` is `labeled`, and the ROC-AUC of their scores.
        public var labeled = 0
        public var rocAUC: Double?
    }

    static let labelColumns = ["label", "label_time", "label_status"]

    public static func score(
        input: String, output: String?, scorer: XGBoostScorer, signature: [String]
    ) throws(OfflineError) -> Summary {
        let table: ParquetTable
        do {
            table = try ParquetReader.read(path: input)
        } catch {
            throw OfflineError(.notAFeatureLog, "cannot read \(input): \(error)")
        }
        let matrix = try inputs(table, signature: signature, rows: Array(0..<table.rowCount), source: input)
        var scores = [Float](repeating: 0, count: table.rowCount)
        matrix.withUnsafeBufferPointer { matrix in
            scores.withUnsafeMutableBufferPointer { scores in
                scorer.score(matrix: matrix, rowCount: table.rowCount, into: scores)
            }
        }
        var summary = Summary()
        summary.rows = table.rowCount
        summary.meanScore = table.rowCount == 0 ? 0 : scores.reduce(0) { $0 + Double($1) } / Double(table.rowCount)
        // Inputs without the label columns (a feature log) are scored all the same.
        if let labels = try? TrainingSetLabels(table, path: input) {
            let labeled = (0..<table.rowCount).compactMap { row in labels.outcome(row).map { (row, $0) } }
            summary.labeled = labeled.count
            summary.rocAUC = RankMetrics.rocAUC(
                scores: labeled.map { Double(scores[$0.0]) }, labels: labeled.map(\.1))
        }
        if let output { try write(table, scores: scores, to: output) }
        return summary
    }

    /// The model inputs of `rows`, row-major float32 in signature order, NaN for null; the
    /// columns are found by name and must be numeric.
    static func inputs(_ table: ParquetTable, signature: [String], rows: [Int], source: String) throws(OfflineError)
        -> [Float]
    {
        let missing = signature.filter { table.column(named: $0) == nil }
        guard missing.isEmpty else {
            throw OfflineError(
                .columnsDiffer,
                "\(source) has no column \(missing.joined(separator: ", ")); the model reads \(signature.count) columns "
                    + "named as in the feature log")
        }
        let columns = try signature.map { name throws(OfflineError) -> [Double?] in
            switch table.column(named: name) {
            case .doubles(let values)?: return values
            case .int64s(let values)?: return values.map { $0.map(Double.init) }
            case .int32s(let values)?: return values.map { $0.map(Double.init) }
            default: throw OfflineError(.columnsDiffer, "column \(name) of \(source) is not numeric")
            }
        }
        var matrix = [Float](repeating: .nan, count: rows.count * signature.count)
        for (index, column) in columns.enumerated() {
            for (position, row) in rows.enumerated() {
                if let value = column[row] { matrix[position * signature.count + index] = Float(value) }
            }
        }
        return matrix
    }

    private static func write(_ table: ParquetTable, scores: [Float], to output: String) throws(OfflineError) {
        let kept = (["event_id"] + labelColumns).compactMap { name in
            table.fields.first { $0.name == name }
        }
        let temporary = output + ".tmp-\(getpid())"
        do {
            var options = ParquetWriterOptions()
            options.createdBy = "sluice score"
            let writer = try ParquetWriter(
                path: temporary, schema: kept + [ParquetField("score", .double, optional: false)], options: options)
            do {
                let columns = kept.map { table.column(named: $0.name)! }
                for row in 0..<table.rowCount {
                    for column in columns { try writer.append(column, row: row) }
                    try writer.append(Double(scores[row]))
                    try writer.endRow()
                }
                _ = try writer.close()
            } catch {
                writer.discard()
                throw error
            }
        } catch {
            throw OfflineError(.fileSystem, "cannot write \(output): \(error)")
        }
        guard rename(temporary, output) == 0 else {
            throw OfflineError(
                .fileSystem, "cannot rename \(temporary) to \(output): \(String(cString: strerror(errno)))")
        }
    }
}
