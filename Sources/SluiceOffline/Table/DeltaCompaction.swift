import Foundation
import SluiceCore
import SluiceDelta
import SluiceParquet
import SluiceRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice offline compact`: rewrites the small files of each date of a feature log table into
/// files near a target size, in one commit of `remove` and `add` actions with `dataChange:
/// false` (the rows are the same; readers following the log skip it). Files are packed in path
/// order, within a date and among files of the same columns. A writer appending meanwhile does not
/// conflict: the commit goes to the next version on the newest snapshot. If another compaction
/// removed some of the same files first, nothing is committed and the files written are deleted.
public enum DeltaCompaction {
    public struct Result: Sendable, Equatable {
        public var version: Int64?
        public var filesRemoved = 0
        public var filesAdded = 0
        public var rows = 0
        /// Why the checkpoint due at `version` was not written (the commit stands).
        public var checkpointFailure: String?
    }

    public static func run(path: String, targetBytes: Int64, date: String?, now: Int64) throws(OfflineError)
        -> Result
    {
        let table = DeltaTable(path: path)
        let snapshot: DeltaSnapshot
        do {
            snapshot = try table.snapshot()
        } catch {
            throw OfflineError(.fileSystem, error.message)
        }
        var byDate: [String: [DeltaAddFile]] = [:]
        for file in snapshot.files.values where file.size < targetBytes {
            guard let value = file.partitionValues["date"] ?? nil, date.map({ $0 == value }) ?? true else { continue }
            byDate[value, default: []].append(file)
        }
        var removes: [DeltaAction] = []
        var adds: [DeltaAction] = []
        var written: [String] = []
        var result = Result()
        var committed = snapshot
        do {
            for (day, files) in byDate.sorted(by: { $0.key < $1.key }) {
                for bin in try bins(files.sorted { $0.path < $1.path }, root: path, target: targetBytes)
                where bin.count > 1 {
                    let (add, rows) = try rewrite(bin, root: path, date: day, now: now)
                    written.append(add.path)
                    adds.append(.add(add))
                    result.rows += rows
                    for file in bin {
                        removes.append(
                            .remove(
                                DeltaRemoveFile(
                                    path: file.path, deletionTimestamp: now, dataChange: false,
                                    partitionValues: file.partitionValues, size: file.size, stats: file.stats)))
                    }
                }
            }
            guard !adds.isEmpty else { return result }
            let removed = Set(
                removes.compactMap { action -> String? in
                    if case .remove(let file) = action { return file.path }
                    return nil
                })
            result.version = try table.commitNext(updating: &committed) { current throws(DeltaLogError) in
                guard removed.allSatisfy({ current.files[$0] != nil }) else {
                    throw DeltaLogError(
                        .conflict, "another commit removed some of the files being compacted; nothing was committed")
                }
                return removes + adds + [
                    .commitInfo(
                        DeltaCommitInfo(
                            timestamp: now, operation: "OPTIMIZE",
                            operationParameters: ["targetSize": String(targetBytes)],
                            metrics: [
                                "numRemovedFiles": Int64(removes.count), "numAddedFiles": Int64(adds.count),
                                "numRows": Int64(result.rows),
                            ]))
                ]
            }
        } catch {
            for file in written { unlink(path + "/" + file) }
            if let error = error as? OfflineError { throw error }
            throw OfflineError(.fileSystem, "compaction of \(path): \(error)")
        }
        result.filesRemoved = removes.count
        result.filesAdded = adds.count
        if let version = result.version, DeltaTable.isCheckpointDue(version) {
            do {
                try table.writeCheckpoint(committed, now: now)
            } catch {
                result.checkpointFailure = error.message
            }
        }
        return result
    }

    /// Consecutive files of the same columns, up to the target size each.
    private static func bins(_ files: [DeltaAddFile], root: String, target: Int64) throws -> [[DeltaAddFile]] {
        var bins: [[DeltaAddFile]] = []
        var current: [DeltaAddFile] = []
        var currentFields: [ParquetField]?
        var size: Int64 = 0
        for file in files {
            let fields = try ParquetReader.fields(path: root + "/" + file.path)
            if !current.isEmpty && (size + file.size > target || fields != currentFields) {
                bins.append(current)
                current = []
                size = 0
            }
            current.append(file)
            currentFields = fields
            size += file.size
        }
        if !current.isEmpty { bins.append(current) }
        return bins
    }

    /// Writes the rows of `files`, in order, to one new file and returns its `add` action.
    private static func rewrite(_ files: [DeltaAddFile], root: String, date: String, now: Int64) throws
        -> (DeltaAddFile, Int)
    {
        let relative = "date=\(date)/part-compacted-\(UUID().uuidString.lowercased()).parquet"
        let fields = try ParquetReader.fields(path: root + "/" + files[0].path)
        var options = ParquetWriterOptions()
        options.rowGroupBytes = 16 << 20
        options.createdBy = "sluice version \(SluiceVersion.current) (compaction)"
        let writer = try ParquetWriter(path: root + "/" + relative, schema: fields, options: options)
        var rows = 0
        do {
            for file in files {
                let table = try ParquetReader.read(path: root + "/" + file.path)
                for row in 0..<table.rowCount {
                    for column in table.columns { try writer.append(column, row: row) }
                    try writer.endRow()
                }
                rows += table.rowCount
            }
        } catch {
            writer.discard()
            throw error
        }
        let summary = try writer.close()
        var add = FeatureLogDeltaTable.add(relativePath: relative, date: date, summary: summary, modificationTime: now)
        add.dataChange = false
        return (add, rows)
    }
}
