import Foundation
import SluiceCore
import SluiceDelta
import SluiceParquet

/// `sluice offline check`: the table's log replays; every file of the newest snapshot is there
/// with the size and row count its `add` action says; and each `<topology>:<topic>:<partition>`
/// transaction version is the last Kafka offset of that partition's rows in the table.
public enum FeatureLogTableCheck {
    public struct Report: Sendable, Equatable {
        public var version: Int64 = -1
        public var files = 0
        public var rows = 0
        public var transactions = 0
        /// One line per problem found.
        public var problems: [String] = []
    }

    public static func run(path: String) throws(OfflineError) -> Report {
        let table = DeltaTable(path: path)
        let snapshot: DeltaSnapshot
        do {
            snapshot = try table.snapshot()
        } catch {
            throw OfflineError(.fileSystem, error.message)
        }
        var report = Report(version: snapshot.version, files: snapshot.files.count)
        var newestOffset: [Int32: Int64] = [:]
        for (relative, file) in snapshot.files.sorted(by: { $0.key < $1.key }) {
            let full = path + "/" + (relative.removingPercentEncoding ?? relative)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                let size = (attributes[.size] as? NSNumber)?.int64Value
            else {
                report.problems.append("\(relative): in the table (version \(snapshot.version)) but missing")
                continue
            }
            if size != file.size {
                report.problems.append("\(relative): \(size) bytes, the log says \(file.size)")
            }
            let parquet: ParquetTable
            do {
                parquet = try ParquetReader.read(path: full, columns: ["kafka_partition", "kafka_offset"])
            } catch {
                report.problems.append("\(relative): unreadable: \(error)")
                continue
            }
            report.rows += parquet.rowCount
            if let records = file.stats.flatMap(DeltaFileStats.init(json:))?.numRecords,
                records != Int64(parquet.rowCount)
            {
                report.problems.append("\(relative): \(parquet.rowCount) rows, its stats say \(records)")
            }
            if case .int32s(let partitions)? = parquet.column(named: "kafka_partition"),
                case .int64s(let offsets)? = parquet.column(named: "kafka_offset")
            {
                for (partition, offset) in zip(partitions, offsets) {
                    guard let partition, let offset else { continue }
                    newestOffset[partition] = max(newestOffset[partition] ?? offset, offset)
                }
            }
        }
        for transaction in snapshot.transactions.values.sorted(by: { $0.appID < $1.appID }) {
            guard let partition = transaction.appID.split(separator: ":").last.flatMap({ Int32($0) }) else { continue }
            report.transactions += 1
            let newest = newestOffset[partition]
            // -1: the partition's rows left the table (it was replaced) and none came since.
            if newest != transaction.version && !(newest == nil && transaction.version == -1) {
                report.problems.append(
                    "\(transaction.appID): transaction version \(transaction.version), but the table's last offset of partition \(partition) is \(newest.map(String.init) ?? "none")"
                )
            }
        }
        for (partition, newest) in newestOffset.sorted(by: { $0.key < $1.key })
        where !snapshot.transactions.keys.contains(where: { $0.hasSuffix(":\(partition)") }) {
            report.problems.append("partition \(partition): rows up to offset \(newest) but no transaction version")
        }
        return report
    }
}
