import Foundation
import SluiceCore
import SluiceParquet

/// A feature log folder read into memory: every Parquet file under `<dir>/<topology>/`.
public struct FeatureLogTable: Sendable {
    public var eventIDs: [String] = []
    public var eventTimes: [Int64] = []
    public var partitions: [Int32] = []
    public var offsets: [Int64] = []
    /// Feature column names (`<view>__<feature>`), and their values by column then row.
    public var featureNames: [String] = []
    public var features: [[Double?]] = []
    public var files = 0

    public var count: Int { offsets.count }

    /// Reads the log of `topology` under `directory`. Other columns are ignored; feature columns
    /// must be the same in every file.
    public static func read(directory: String, topology: String, snapshot: FeatureLogSnapshot = .newest) throws
        -> FeatureLogTable
    {
        let root = (directory as NSString).appendingPathComponent(topology)
        guard FileManager.default.fileExists(atPath: root) else {
            throw OfflineError(
                .logMissing, "no feature log for topology '\(topology)' under \(directory) (expected \(root))")
        }
        var table = FeatureLogTable()
        for file in try FeatureLogFiles.resolve(root: root, snapshot: snapshot).files {
            let path = (root as NSString).appendingPathComponent(file)
            let parquet = try ParquetReader.read(path: path)
            let names = parquet.fields.map(\.name).filter { $0.contains("__") }
            if table.files == 0 {
                table.featureNames = names
                table.features = Array(repeating: [], count: names.count)
            } else if names != table.featureNames {
                throw OfflineError(
                    .columnsDiffer,
                    "\(path) has other feature columns than the files before it; was the topology changed?")
            }
            guard case .strings(let ids)? = parquet.column(named: "event_id"),
                case .int64s(let times)? = parquet.column(named: "event_time"),
                case .int32s(let partitions)? = parquet.column(named: "kafka_partition"),
                case .int64s(let offsets)? = parquet.column(named: "kafka_offset")
            else {
                throw OfflineError(
                    .notAFeatureLog,
                    "\(path) is not a Sluice feature log (missing event_id, event_time, kafka_partition or kafka_offset)"
                )
            }
            table.eventIDs += ids.map { $0 ?? "" }
            table.eventTimes += times.map { $0 ?? 0 }
            table.partitions += partitions.map { $0 ?? -1 }
            table.offsets += offsets.map { $0 ?? -1 }
            for (index, name) in names.enumerated() {
                guard case .doubles(let values)? = parquet.column(named: name) else {
                    throw OfflineError(.notAFeatureLog, "\(path): feature column \(name) is not DOUBLE")
                }
                table.features[index] += values
            }
            table.files += 1
        }
        return table
    }
}
