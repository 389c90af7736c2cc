import Foundation
import SluiceDelta
import SluiceParquet

#if canImport(Glibc)
    import Glibc
#endif

/// A Delta table's single-file Parquet checkpoint (PROTOCOL.md, "Checkpoints"): the reconciled
/// state of one version, one action per row in the struct columns `txn`, `add`, `remove`,
/// `metaData` and `protocol`, so that a reader opens a long log by one file plus the commits
/// after it. Written by `NestedParquetWriter`, read by `ParquetReader.readLeveled`; other
/// writers' checkpoints (delta-rs, Spark) read too, by the columns named here.
enum DeltaCheckpoint {
    static let schema: [ParquetNode] = [
        .structure("txn", [.column("appId", .string), .column("version", .int64), .column("lastUpdated", .int64)]),
        .structure(
            "add",
            [
                .column("path", .string), .map("partitionValues", value: .string), .column("size", .int64),
                .column("modificationTime", .int64), .column("dataChange", .boolean), .column("stats", .string),
            ]),
        .structure(
            "remove",
            [
                .column("path", .string), .column("deletionTimestamp", .int64), .column("dataChange", .boolean),
                .column("extendedFileMetadata", .boolean), .map("partitionValues", value: .string),
                .column("size", .int64),
            ]),
        .structure(
            "metaData",
            [
                .column("id", .string), .column("name", .string), .column("description", .string),
                .structure("format", [.column("provider", .string), .map("options", value: .string)]),
                .column("schemaString", .string), .list("partitionColumns", element: .string),
                .map("configuration", value: .string), .column("createdTime", .int64),
            ]),
        .structure(
            "protocol",
            [
                .column("minReaderVersion", .int32), .column("minWriterVersion", .int32),
                .list("readerFeatures", element: .string), .list("writerFeatures", element: .string),
            ]),
    ]

    /// How long removed files stay in checkpoints as tombstones, so that vacuum and readers of
    /// older versions know of them: the table's `delta.deletedFileRetentionDuration` when it is
    /// given in days ("interval 7 days"), else the protocol's default of a week.
    static func tombstoneRetention(_ metadata: DeltaMetadata) -> Int64 {
        let week: Int64 = 7 * 86_400_000
        guard let text = metadata.configuration["delta.deletedFileRetentionDuration"] else { return week }
        let words = text.lowercased().split(separator: " ")
        guard words.count == 3, words[0] == "interval", let days = Int64(words[1]), words[2].hasPrefix("day") else {
            return week
        }
        return days * 86_400_000
    }

    /// The rows of a checkpoint of `snapshot`: protocol, metadata, transactions, files and the
    /// tombstones younger than the retention at `now` (epoch ms), each kind in a stable order.
    static func rows(_ snapshot: DeltaSnapshot, now: Int64) throws(DeltaLogError) -> [[ParquetValue]] {
        guard let protocolVersions = snapshot.protocolVersions, let metadata = snapshot.metadata else {
            throw DeltaLogError(.corrupt, "version \(snapshot.version) has no protocol or metaData to checkpoint")
        }
        func row(_ column: Int, _ value: ParquetValue) -> [ParquetValue] {
            var values = [ParquetValue](repeating: .null, count: schema.count)
            values[column] = value
            return values
        }
        func strings(_ list: [String]?) -> ParquetValue { list.map { .list($0.map(ParquetValue.string)) } ?? .null }
        var rows: [[ParquetValue]] = [
            row(
                4,
                .group([
                    .int32(Int32(protocolVersions.minReaderVersion)), .int32(Int32(protocolVersions.minWriterVersion)),
                    strings(protocolVersions.readerFeatures), strings(protocolVersions.writerFeatures),
                ])),
            row(
                3,
                .group([
                    .string(metadata.id), .optional(metadata.name), .null,
                    .group([.string("parquet"), .map([])]), .string(metadata.schema.json),
                    strings(metadata.partitionColumns), .stringMap(metadata.configuration.mapValues { $0 }),
                    metadata.createdTime.map(ParquetValue.int64) ?? .null,
                ])),
        ]
        for transaction in snapshot.transactions.values.sorted(by: { $0.appID < $1.appID }) {
            rows.append(
                row(
                    0,
                    .group([
                        .string(transaction.appID), .int64(transaction.version),
                        transaction.lastUpdated.map(ParquetValue.int64) ?? .null,
                    ])))
        }
        for file in snapshot.files.values.sorted(by: { $0.path < $1.path }) {
            rows.append(
                row(
                    1,
                    .group([
                        .string(file.path), .stringMap(file.partitionValues), .int64(file.size),
                        .int64(file.modificationTime), .boolean(file.dataChange), .optional(file.stats),
                    ])))
        }
        let oldest = now - tombstoneRetention(metadata)
        for tombstone in snapshot.tombstones.values.sorted(by: { $0.path < $1.path })
        where tombstone.deletionTimestamp >= oldest {
            rows.append(
                row(
                    2,
                    .group([
                        .string(tombstone.path), .int64(tombstone.deletionTimestamp), .boolean(tombstone.dataChange),
                        .boolean(true), .stringMap(tombstone.partitionValues), .int64(tombstone.size),
                    ])))
        }
        return rows
    }

    /// Writes the checkpoint of `snapshot` into `logPath` (under a temporary name, fsynced, then
    /// renamed) and returns its row count and size in bytes.
    static func write(_ snapshot: DeltaSnapshot, logPath: String, now: Int64) throws(DeltaLogError) -> (
        rows: Int, bytes: Int
    ) {
        let final = logPath + "/" + DeltaLogFiles.checkpoint(snapshot.version)
        let temporary =
            logPath
            + "/.\(DeltaLogFiles.checkpoint(snapshot.version)).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        do {
            var options = ParquetWriterOptions()
            options.compression = .snappy
            options.createdBy = "sluice"
            var writer = try NestedParquetWriter(schema: schema, options: options)
            let rows = try rows(snapshot, now: now)
            for row in rows { try writer.append(row) }
            let bytes = try writer.write(to: temporary)
            guard rename(temporary, final) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw DeltaLogError(.fileSystem, "cannot rename \(temporary) to \(final): \(reason)")
            }
            return (rows.count, bytes)
        } catch let error as ParquetError {
            throw DeltaLogError(.fileSystem, "cannot write the checkpoint \(final): \(error.message)")
        } catch let error as DeltaLogError {
            throw error
        } catch {
            throw DeltaLogError(.fileSystem, "cannot write the checkpoint \(final): \(error)")
        }
    }

    /// The snapshot a checkpoint file records.
    static func read(path: String, version: Int64) throws(DeltaLogError) -> DeltaSnapshot {
        let damaged = { (why: String) in
            DeltaLogError(
                .corrupt,
                "the checkpoint \(path) is damaged (\(why)): delete it to read the JSON commits instead, if they are all still there, or restore it"
            )
        }
        let file: ParquetLeveledFile
        do {
            file = try ParquetReader.readLeveled(path: path)
        } catch {
            throw damaged(error.message)
        }
        let columns = CheckpointColumns(file: file)
        func required<Value>(_ value: Value?, _ field: String) throws(DeltaLogError) -> Value {
            guard let value else { throw damaged("a row lacks \(field)") }
            return value
        }
        var protocolVersions: DeltaProtocol?
        var metadata: DeltaMetadata?
        var files: [DeltaAddFile] = []
        var tombstones: [DeltaRemoveFile] = []
        var transactions: [DeltaTransaction] = []

        let protocolReader = columns.int32s(["protocol", "minReaderVersion"])
        let protocolWriter = columns.int32s(["protocol", "minWriterVersion"])
        let readerFeatures = columns.list(["protocol", "readerFeatures", "list", "element"])
        let writerFeatures = columns.list(["protocol", "writerFeatures", "list", "element"])
        let metadataID = columns.strings(["metaData", "id"])
        let metadataName = columns.strings(["metaData", "name"])
        let metadataSchema = columns.strings(["metaData", "schemaString"])
        let partitionColumns = columns.list(["metaData", "partitionColumns", "list", "element"])
        let configuration = columns.map(["metaData", "configuration", "key_value"])
        let createdTime = columns.int64s(["metaData", "createdTime"])
        let provider = columns.strings(["metaData", "format", "provider"])
        let txnApp = columns.strings(["txn", "appId"])
        let txnVersion = columns.int64s(["txn", "version"])
        let txnUpdated = columns.int64s(["txn", "lastUpdated"])
        let addPath = columns.strings(["add", "path"])
        let addPartitions = columns.map(["add", "partitionValues", "key_value"])
        let addSize = columns.int64s(["add", "size"])
        let addModified = columns.int64s(["add", "modificationTime"])
        let addDataChange = columns.booleans(["add", "dataChange"])
        let addStats = columns.strings(["add", "stats"])
        let hasVector = columns.present(["add", "deletionVector", "storageType"])
        let removePath = columns.strings(["remove", "path"])
        let removeTime = columns.int64s(["remove", "deletionTimestamp"])
        let removeDataChange = columns.booleans(["remove", "dataChange"])
        let removePartitions = columns.map(["remove", "partitionValues", "key_value"])
        let removeSize = columns.int64s(["remove", "size"])

        for row in 0..<file.rowCount {
            if let reader = protocolReader[row] {
                protocolVersions = DeltaProtocol(
                    minReaderVersion: Int(reader), minWriterVersion: Int(protocolWriter[row] ?? 0),
                    readerFeatures: readerFeatures[row]?.compactMap { $0 },
                    writerFeatures: writerFeatures[row]?.compactMap { $0 })
            }
            if let id = metadataID[row] {
                if let format = provider[row], format != "parquet" {
                    throw DeltaLogError(.unsupportedProtocol, "\(path): the table's files are \(format), not parquet")
                }
                metadata = DeltaMetadata(
                    id: id, schema: try DeltaSchema(json: try required(metadataSchema[row], "metaData.schemaString")),
                    partitionColumns: (partitionColumns[row] ?? []).compactMap { $0 },
                    configuration: (configuration[row] ?? [:]).compactMapValues { $0 }, name: metadataName[row],
                    createdTime: createdTime[row])
            }
            if let app = txnApp[row] {
                transactions.append(
                    DeltaTransaction(
                        appID: app, version: try required(txnVersion[row], "txn.version"),
                        lastUpdated: txnUpdated[row]))
            }
            if let filePath = addPath[row] {
                if hasVector[row] {
                    throw DeltaLogError(
                        .unsupportedProtocol, "\(path): a file has a deletion vector, which Sluice does not read")
                }
                files.append(
                    DeltaAddFile(
                        path: filePath, partitionValues: addPartitions[row] ?? [:], size: addSize[row] ?? 0,
                        modificationTime: addModified[row] ?? 0, dataChange: addDataChange[row] ?? false,
                        stats: addStats[row]))
            }
            if let filePath = removePath[row] {
                tombstones.append(
                    DeltaRemoveFile(
                        path: filePath, deletionTimestamp: removeTime[row] ?? 0,
                        dataChange: removeDataChange[row] ?? true, partitionValues: removePartitions[row] ?? [:],
                        size: removeSize[row] ?? 0, stats: nil))
            }
        }
        guard let protocolVersions, let metadata else { throw damaged("no protocol or no metaData row") }
        return try DeltaSnapshot(
            checkpointOf: version, protocolVersions: protocolVersions, metadata: metadata, files: files,
            tombstones: tombstones, transactions: transactions)
    }
}
