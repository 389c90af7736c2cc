import Foundation
import SluiceCore
import SluiceParquet
import SluiceTraining

/// Reads what continuous training's validation needs of a training set file (`sluice
/// training-set`'s output): rows, labeled rows and fraud among them, and every column's share of
/// nulls, in one read of the file.
public enum TrainingSetFactsReader {
    public static func read(path: String) throws(OfflineError) -> TrainingSetValidation.Facts {
        let table: ParquetTable
        do {
            table = try ParquetReader.read(path: path)
        } catch {
            throw OfflineError(.notAFeatureLog, "cannot read \(path): \(error)")
        }
        let labels = try TrainingSetLabels(table, path: path)
        var labeled = 0
        var positives = 0
        for row in 0..<table.rowCount {
            guard let outcome = labels.outcome(row) else { continue }
            labeled += 1
            if outcome { positives += 1 }
        }
        var nullShares: [String: Double] = [:]
        for (field, column) in zip(table.fields, table.columns) {
            let nulls: Int
            switch column {
            case .strings(let values): nulls = values.count { $0 == nil }
            case .int32s(let values): nulls = values.count { $0 == nil }
            case .int64s(let values): nulls = values.count { $0 == nil }
            case .doubles(let values): nulls = values.count { $0 == nil }
            case .booleans(let values): nulls = values.count { $0 == nil }
            }
            nullShares[field.name] = table.rowCount == 0 ? 0 : Double(nulls) / Double(table.rowCount)
        }
        return TrainingSetValidation.Facts(
            rows: table.rowCount, labeled: labeled, positives: positives, nullShares: nullShares)
    }
}
