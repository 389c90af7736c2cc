import Foundation
import SluiceCore
import SluiceDelta
import SluiceParquet

/// The feature log of one topology as a Delta table (`<dir>/<topology>/`, docs/offline.md): its
/// schema (the layout's columns, and `date`, the partition column, taken from the path), its
/// creation and the schema check when a writer opens it, the `add` actions of rolled files with
/// their statistics, and the per-partition transaction ids (`<topology>:<topic>:<partition>`,
/// version: the last Kafka offset committed) that make the table's rows exactly once.
public struct FeatureLogDeltaTable: Sendable {
    public let table: DeltaTable
    public let topology: String
    public let topic: String

    /// The transaction id of a source partition.
    public func appID(partition: Int32) -> String { "\(topology):\(topic):\(partition)" }

    public static func schema(_ layout: FeatureLogLayout) -> DeltaSchema {
        DeltaSchema(
            columns: layout.columns.map { column in
                let type: DeltaSchema.ColumnType =
                    switch column.kind {
                    case .string: .string
                    case .timestampMillis: .timestamp
                    case .int32: .integer
                    case .int64: .long
                    case .double: .double
                    }
                return DeltaSchema.Column(column.name, type, nullable: column.optional)
            } + [DeltaSchema.Column("date", .string, nullable: false)])
    }

    /// Opens the table at `path`, creating it when it has no log. A table whose schema lacks some
    /// of the layout's columns gains them by a new `metaData` commit (older files read as null for
    /// them); a table with columns the layout lacks or types that differ is refused by name, or,
    /// with `replaceIncompatible`, replaced by one `CREATE OR REPLACE TABLE` commit: the same
    /// table id, the new schema, every file removed and every transaction version back to -1
    /// (older versions stay readable by time travel until a vacuum).
    public static func open(
        path: String, layout: FeatureLogLayout, topology: String, topic: String, now: Int64,
        replaceIncompatible: Bool = false
    ) throws(OfflineError) -> FeatureLogDeltaTable {
        let table = DeltaTable(path: path)
        let wanted = schema(layout)
        do {
            if (try? table.versions())?.isEmpty ?? true {
                do {
                    try table.create(
                        metadata: DeltaMetadata(
                            id: UUID().uuidString.lowercased(), schema: wanted, partitionColumns: ["date"],
                            name: topology, createdTime: now), now: now)
                } catch  where error.kind == .conflict {
                    // Another writer created it first: use theirs.
                }
            }
            _ = try table.commitNext { snapshot throws(DeltaLogError) in
                guard let metadata = snapshot.metadata else {
                    throw DeltaLogError(.corrupt, "\(path) has no metaData action")
                }
                let current = metadata.schema
                let missing = current.columns.filter { wanted.column(named: $0.name) == nil }.map(\.name)
                let retyped = current.columns.filter { column in
                    wanted.column(named: column.name).map { $0.type != column.type } ?? false
                }.map { "\($0.name) (\($0.type.rawValue) in the table)" }
                guard missing.isEmpty && retyped.isEmpty else {
                    let reasons =
                        (missing.isEmpty ? [] : ["columns no longer written: \(missing.joined(separator: ", "))"])
                        + (retyped.isEmpty ? [] : ["columns of another type: \(retyped.joined(separator: ", "))"])
                    guard replaceIncompatible else {
                        throw DeltaLogError(
                            .unsupportedProtocol,
                            "the topology's feature log does not fit the table at \(path): "
                                + reasons.joined(separator: "; ")
                                + "; write to another --offline-dir, or pass --new-table to replace the table (its older versions stay readable by time travel until a vacuum)"
                        )
                    }
                    var replaced = metadata
                    replaced.schema = wanted
                    replaced.name = topology
                    return [
                        .commitInfo(
                            DeltaCommitInfo(
                                timestamp: now, operation: "CREATE OR REPLACE TABLE",
                                operationParameters: ["reason": reasons.joined(separator: "; ")])),
                        .metadata(replaced),
                    ]
                        + snapshot.files.values.sorted { $0.path < $1.path }.map { file in
                            .remove(
                                DeltaRemoveFile(
                                    path: file.path, deletionTimestamp: now, dataChange: true,
                                    partitionValues: file.partitionValues, size: file.size, stats: file.stats))
                        }
                        + snapshot.transactions.keys.sorted().map { app in
                            .transaction(DeltaTransaction(appID: app, version: -1, lastUpdated: now))
                        }
                }
                let added = wanted.columns.filter { current.column(named: $0.name) == nil }
                guard !added.isEmpty else { return nil }
                var evolved = metadata
                evolved.schema = current.adding(wanted)
                return [
                    .commitInfo(
                        DeltaCommitInfo(
                            timestamp: now, operation: "ADD COLUMNS",
                            operationParameters: ["columns": added.map(\.name).joined(separator: ",")])),
                    .metadata(evolved),
                ]
            }
        } catch {
            throw OfflineError(.fileSystem, "feature log table: \(error.message)")
        }
        return FeatureLogDeltaTable(table: table, topology: topology, topic: topic)
    }

    /// The `add` action of a rolled file at `relativePath`.
    public static func add(
        relativePath: String, date: String, summary: ParquetFileSummary, modificationTime: Int64
    ) -> DeltaAddFile {
        var stats = DeltaFileStats(numRecords: Int64(summary.rowCount))
        for column in summary.columns {
            let name = column.field.name
            stats.nullCount[name] = Int64(column.nullCount)
            func value(_ bound: ParquetColumnSummary.Bound, isMax: Bool) -> DeltaFileStats.Value? {
                switch bound {
                case .integer(let number):
                    return column.field.type == .timestampMillis ? .timestamp(number) : .integer(number)
                case .double(let number): return .double(number)
                case .string(let text):
                    // A cut maximum would not bound the values above it: left out.
                    if text.count <= DeltaFileStats.stringPrefix { return .string(text) }
                    return isMax ? nil : .string(String(text.prefix(DeltaFileStats.stringPrefix)))
                }
            }
            if let low = column.min.flatMap({ value($0, isMax: false) }) { stats.minValues[name] = low }
            if let high = column.max.flatMap({ value($0, isMax: true) }) { stats.maxValues[name] = high }
        }
        return DeltaAddFile(
            path: relativePath, partitionValues: ["date": date], size: Int64(summary.byteCount),
            modificationTime: modificationTime, dataChange: true, stats: stats.json)
    }
}
