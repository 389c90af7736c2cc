import SluiceCore
import SluiceParquet

/// A training set's label columns (`label`, `label_status`, as `sluice training-set` writes
/// them): which rows have a known outcome, and what it is.
struct TrainingSetLabels {
    private let statuses: [String?]
    private let labels: [Int32?]

    init(_ table: ParquetTable, path: String) throws(OfflineError) {
        guard case .strings(let statuses)? = table.column(named: "label_status"),
            case .int32s(let labels)? = table.column(named: "label")
        else {
            throw OfflineError(
                .columnsDiffer,
                "\(path) is not a training set (it needs label and label_status: sluice training-set writes them)")
        }
        self.statuses = statuses
        self.labels = labels
    }

    /// Whether `row` is fraud, or nil when its label is not known (unlabeled or expired).
    func outcome(_ row: Int) -> Bool? {
        guard statuses[row] == "labeled", let label = labels[row] else { return nil }
        return label != 0
    }
}
