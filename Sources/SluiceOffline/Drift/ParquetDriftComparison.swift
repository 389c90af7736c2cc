import SluiceCore
import SluiceDrift
import SluiceParquet

/// `sluice drift compare`: two Parquet files read column by column and compared by SluiceDrift.
/// Numbers (integers, doubles, timestamps) are numeric columns; strings and booleans are
/// categorical.
public enum ParquetDriftComparison {
    /// - Parameter columns: the columns to compare; nil: the reference's, without those the
    ///   settings ignore.
    public static func compare(
        reference: String, current: String, columns: [String]? = nil,
        settings: DriftMonitorSettings = DriftMonitorSettings()
    ) throws(OfflineError) -> DatasetComparison {
        guard settings.bins >= 2 else {
            throw OfflineError(.invalidSettings, "the number of bins must be at least 2, not \(settings.bins)")
        }
        let first = try samples(reference, columns: columns).map { column in
            (name: column.name, sample: settings.prepared(column.name, column.sample))
        }
        let second = try samples(current, columns: columns).map { column in
            (name: column.name, sample: settings.prepared(column.name, column.sample))
        }
        return DatasetComparison.compare(
            reference: first, current: second,
            columns: settings.columns(wanted: columns, reference: first.map(\.name)), bins: settings.bins,
            policy: settings.policy)
    }

    /// A reference file's columns as the settings want them compared (`columns`: only these),
    /// for a monitor that compares live windows with it.
    public static func reference(
        _ path: String, columns: [String]? = nil, settings: DriftMonitorSettings
    ) throws(OfflineError) -> [(name: String, sample: ColumnSample)] {
        try samples(path, columns: columns).map { column in
            (name: column.name, sample: settings.prepared(column.name, column.sample))
        }
    }

    /// The file's columns as samples; with `columns`, only those it has of them.
    static func samples(_ path: String, columns: [String]?) throws(OfflineError) -> [(
        name: String, sample: ColumnSample
    )] {
        let fields: [ParquetField]
        do {
            fields = try ParquetReader.fields(path: path)
        } catch {
            throw OfflineError(.unreadableInput, "cannot read \(path): \(error)")
        }
        let wanted = columns.map { names in names.filter { name in fields.contains { $0.name == name } } }
        let table: ParquetTable
        do {
            table = try ParquetReader.read(path: path, columns: wanted)
        } catch {
            throw OfflineError(.unreadableInput, "cannot read \(path): \(error)")
        }
        return zip(table.fields, table.columns).map { field, values in (field.name, sample(values)) }
    }

    static func sample(_ values: ParquetColumnValues) -> ColumnSample {
        return switch values {
        case .doubles(let values): .numeric(values)
        case .int64s(let values): .numeric(values.map { $0.map(Double.init) })
        case .int32s(let values): .numeric(values.map { $0.map(Double.init) })
        case .strings(let values): .categorical(values)
        case .booleans(let values): .categorical(values.map { $0.map { $0 ? "true" : "false" } })
        }
    }
}
