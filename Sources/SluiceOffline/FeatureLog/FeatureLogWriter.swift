import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceDelta
import SluiceParquet
import SluiceRuntime

/// The offline feature log of one topology, as a Delta table (`FeatureLogDeltaTable`):
///
/// - `<dir>/<topology>/_staging/<topic>-<partition>.rows`: the rows of committed (and about to be
///   committed) batches not yet rolled, fsynced before the batch's Redis transaction is sent;
/// - `<dir>/<topology>/date=YYYY-MM-DD/part-<topic>-<partition>-<first>-<last>.parquet`: rolled
///   rows of that UTC event date, written under a temporary name, fsynced, renamed, and made
///   visible by the table commit of the roll, which also records, per partition, the last offset
///   rolled (`txn` version of `<topology>:<topic>:<partition>`);
/// - `<dir>/<topology>/_delta_log/`: the table's commits.
///
/// Exactly once: the staging file holds every row whose offset is committed in Redis and not yet
/// in a table commit (plus perhaps rows of a batch whose transaction never landed, which
/// `open(partition:resumeAt:)` drops; on a Redis Cluster, a batch that may be partly written,
/// whose rows it keeps). After a crash the partition's `txn` version says which
/// staged rows the table holds; the others are rolled again, and files renamed but never
/// committed are removed, so no row is in the table twice or missing. Confined to the engine's
/// thread.
public final class FeatureLogWriter {
    public let options: FeatureLogOptions
    public let layout: FeatureLogLayout
    public let topic: String
    public let topologyName: String
    private let metadata: [(key: String, value: String)]
    private let logger: Logger
    private let root: String
    private let stagingFolder: String
    private var partitions: [Int32: PartitionLog] = [:]
    /// Rows of the batch being computed, by partition, until it is persisted.
    private var pending: [Int32: [FeatureLogRow]] = [:]
    /// Rows of the batch whose Redis transaction is in flight: in the staging files, not yet in
    /// the open Parquet files.
    private var inFlight: [Int32: [FeatureLogRow]] = [:]
    private var stagingBuffer: [UInt8] = []
    /// Per partition, the last offset of rows kept past the progress (`rowsPastProgress` `.kept`):
    /// the replay logs no row up to it.
    private var keptThrough: [Int32: Int64] = [:]
    private let deltaTable: FeatureLogDeltaTable
    private let checkpoints: BackgroundCheckpoints
    /// The table as this writer last read or committed it.
    private var snapshot = DeltaSnapshot()
    public private(set) var rowsRolled = 0
    public private(set) var filesWritten = 0
    private let rowsCounter = Counter(label: SluiceMetrics.featureLogRows)
    private let filesCounter = Counter(label: SluiceMetrics.featureLogFiles)

    public init(options: FeatureLogOptions, topology: Topology, fingerprint: String, logger: Logger) throws {
        self.options = options
        self.layout = FeatureLogLayout(topology: topology)
        self.topic = topology.source.topic
        self.topologyName = topology.name
        self.logger = logger
        self.root = (options.directory as NSString).appendingPathComponent(topology.name)
        self.stagingFolder = (root as NSString).appendingPathComponent("_staging")
        self.metadata = [
            ("sluice.topology", topology.name), ("sluice.layout", fingerprint),
            ("sluice.version", SluiceVersion.current),
            ("sluice.topic", topology.source.topic),
        ]
        do {
            try FileManager.default.createDirectory(
                atPath: options.staging ? stagingFolder : root, withIntermediateDirectories: true)
        } catch {
            throw OfflineError(
                .fileSystem, "cannot create the feature log folder \(root): \(error.localizedDescription)")
        }
        deltaTable = try FeatureLogDeltaTable.open(
            path: root, layout: layout, topology: topology.name, topic: topology.source.topic, now: Self.now(),
            replaceIncompatible: options.replaceIncompatibleTable)
        checkpoints = BackgroundCheckpoints(table: deltaTable.table, logger: logger)
    }

    /// Waits for the table checkpoints submitted so far (written in the background after every
    /// tenth version); call before the process ends.
    public func waitForCheckpoints() { checkpoints.wait() }

    private static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: - Partitions

    /// Takes a partition over, resuming at `nextOffset` (the first offset not committed in Redis):
    /// removes temporary files, keeps the staged rows below `nextOffset` that no Parquet file
    /// holds yet, and drops the rest, which the engine will compute again; or, with
    /// `rowsPastProgress` `.kept`, keeps those past `nextOffset` too and logs no new row up to
    /// the last of them.
    public func open(partition: Int32, resumeAt nextOffset: Int64) throws {
        partitions[partition]?.discard()
        let log = PartitionLog(partition: partition)
        partitions[partition] = log
        pending[partition] = nil
        inFlight[partition] = nil
        keptThrough[partition] = nil
        do {
            try deltaTable.table.update(&snapshot)
        } catch {
            throw OfflineError(.fileSystem, "feature log table: \(error.message)")
        }
        removeUncommittedFiles(partition: partition, committed: snapshot)
        let committedThrough = snapshot.transactions[deltaTable.appID(partition: partition)]?.version ?? -1
        let keepsPastProgress = options.rowsPastProgress == .kept
        // Kept rows may be in the table already (rolled before the replay rewrote their batch).
        if keepsPastProgress && committedThrough >= nextOffset { keptThrough[partition] = committedThrough }
        guard options.staging else { return }
        let stagingPath = self.stagingPath(partition)
        guard let data = FileManager.default.contents(atPath: stagingPath) else { return }
        let (rows, _) = FeatureLogRowCodec.decodeRecords(Array(data))
        let kept = rows.filter { ($0.offset < nextOffset || keepsPastProgress) && $0.offset > committedThrough }
        if keepsPastProgress, let last = kept.last?.offset, last >= nextOffset {
            keptThrough[partition] = max(last, keptThrough[partition] ?? -1)
        }
        stagingBuffer.removeAll(keepingCapacity: true)
        for row in kept { FeatureLogRowCodec.appendRecord(row, to: &stagingBuffer) }
        try replaceFile(stagingPath, with: stagingBuffer)
        for row in kept { try log.add(row, writer: self) }
        if committedThrough >= nextOffset && !keepsPastProgress {
            logger.warning(
                "the feature log holds files past the offset the online store resumes from; was the online state cleared without the log?",
                metadata: ["partition": "\(partition)", "resume_offset": "\(nextOffset)"])
        }
        logger.info(
            "feature log resumed",
            metadata: [
                "partition": "\(partition)", "staged_rows": "\(kept.count)", "dropped": "\(rows.count - kept.count)",
                "past_progress": "\(kept.count { $0.offset >= nextOffset })",
            ])
    }

    /// Forgets a partition that another process takes over; its staging file stays for it.
    public func close(partition: Int32) {
        partitions[partition]?.discard()
        partitions[partition] = nil
        keptThrough[partition] = nil
        pending[partition] = nil
        inFlight[partition] = nil
    }

    // MARK: - Rows

    /// Adds a row of the batch being computed (unless a kept staged row has its offset).
    public func append(_ row: FeatureLogRow) {
        if let through = keptThrough[row.partition], row.offset <= through { return }
        pending[row.partition, default: []].append(row)
    }

    /// Appends the pending rows to their partitions' staging files and fsyncs them; they are then
    /// in flight. Must return before the batch's Redis transaction is sent, and only once the
    /// previous batch was committed or discarded.
    public func persistPending() throws {
        precondition(inFlight.isEmpty, "the previous batch's rows are still in flight")
        if options.staging {
            for (partition, rows) in pending where !rows.isEmpty {
                stagingBuffer.removeAll(keepingCapacity: true)
                for row in rows { FeatureLogRowCodec.appendRecord(row, to: &stagingBuffer) }
                try appendToFile(stagingPath(partition), stagingBuffer)
            }
        }
        swap(&pending, &inFlight)
        pending.removeAll(keepingCapacity: true)
    }

    /// The rows in flight are committed (their Redis transaction landed): they join the open
    /// Parquet files, which are rolled when due.
    public func commitInFlight() throws {
        let rows = inFlight
        inFlight.removeAll(keepingCapacity: true)
        for (partition, rows) in rows {
            guard let log = partitions[partition] else { continue }
            for row in rows { try log.add(row, writer: self) }
        }
        try rollDue(force: false)
    }

    /// Drops the rows not committed (their batch failed and will be computed again).
    public func discardUncommitted() {
        pending.removeAll(keepingCapacity: true)
        inFlight.removeAll(keepingCapacity: true)
    }

    public var hasRowsInFlight: Bool { !inFlight.isEmpty }

    /// Rolls the partitions whose open files are due (or all of them when `force`). Only
    /// committed rows are in open files, so a rolled file never holds a row Redis has not.
    public func rollDue(force: Bool) throws {
        let now = ContinuousClock.now
        let due = partitions.values.filter { log in
            log.rowCount > 0
                && (force || log.rowCount >= options.rollRows || log.estimatedBytes >= options.rollBytes
                    || (options.staging && now - (log.openedAt ?? now) >= options.rollInterval))
        }.sorted { $0.partition < $1.partition }
        guard !due.isEmpty else { return }
        // Closing a file encodes and compresses its last row group, seconds of work for a big
        // one: the partitions' files close at once, on every core (a replay ends with all of
        // them). Each closes only its own files.
        let closing = ConcurrentFinish(due)
        DispatchQueue.concurrentPerform(iterations: due.count) { closing.finish(at: $0) }
        // Every file that closed is put in place and committed before the first failure is reported.
        var failure: (any Error)?
        var adds: [DeltaAction] = []
        var rolled: [(log: PartitionLog, lastOffset: Int64, rows: Int)] = []
        for (log, result) in zip(due, closing.results) {
            switch result! {
            case .success(let finished):
                adds += try place(log, finished: finished)
                if let last = finished.map(\.lastOffset).max() {
                    rolled.append((log, last, finished.reduce(0) { $0 + $1.rows }))
                }
            case .failure(let error): failure = failure ?? error
            }
        }
        if !rolled.isEmpty { try commit(adds, rolled: rolled.map { ($0.log.partition, $0.lastOffset, $0.rows) }) }
        // The staging files keep only the rows still in flight (an idle roll can run while a
        // transaction is out); the rest are in the table now.
        if options.staging {
            for (log, _, _) in rolled {
                stagingBuffer.removeAll(keepingCapacity: true)
                for row in inFlight[log.partition] ?? [] { FeatureLogRowCodec.appendRecord(row, to: &stagingBuffer) }
                try replaceFile(stagingPath(log.partition), with: stagingBuffer)
            }
        }
        if let failure { throw failure }
    }

    /// Renames a partition's closed files into place; they are not in the table until committed.
    private func place(_ log: PartitionLog, finished: [PartitionLog.Finished]) throws -> [DeltaAction] {
        var adds: [DeltaAction] = []
        for file in finished {
            let folder = (root as NSString).appendingPathComponent("date=\(file.date)")
            let name = "part-\(topic)-\(log.partition)-\(file.firstOffset)-\(file.lastOffset).parquet"
            let target = (folder as NSString).appendingPathComponent(name)
            guard rename(file.temporaryPath, target) == 0 else {
                throw OfflineError(
                    .fileSystem, "cannot rename \(file.temporaryPath) to \(target): \(String(cString: strerror(errno)))"
                )
            }
            syncFolder(folder)
            adds.append(
                .add(
                    FeatureLogDeltaTable.add(
                        relativePath: "date=\(file.date)/\(name)", date: file.date, summary: file.summary,
                        modificationTime: Self.now())))
            logger.debug("feature log file written", metadata: ["file": "\(target)", "rows": "\(file.rows)"])
        }
        return adds
    }

    /// One table commit of the files of a roll, with each rolled partition's last offset as its
    /// transaction version; retried at the next version when another writer committed first.
    private func commit(_ adds: [DeltaAction], rolled: [(partition: Int32, lastOffset: Int64, rows: Int)]) throws {
        let now = Self.now()
        let rows = rolled.reduce(0) { $0 + $1.rows }
        let actions =
            adds
            + rolled.map {
                .transaction(
                    DeltaTransaction(
                        appID: deltaTable.appID(partition: $0.partition), version: $0.lastOffset, lastUpdated: now))
            } + [
                .commitInfo(
                    DeltaCommitInfo(
                        timestamp: now, operation: "WRITE", operationParameters: ["mode": "Append"],
                        metrics: ["numFiles": Int64(adds.count), "numOutputRows": Int64(rows)]))
            ]
        do {
            _ = try deltaTable.table.commitNext(updating: &snapshot) { _ in actions }
            checkpoints.submit(snapshot)
        } catch {
            throw OfflineError(.fileSystem, "feature log table: \(error.message)")
        }
        rowsRolled += rows
        filesWritten += adds.count
        rowsCounter.increment(by: rows)
        filesCounter.increment(by: adds.count)
    }

    // MARK: - Files

    func openTemporaryFile(partition: Int32, date: String) throws -> (ParquetWriter, String) {
        let folder = (root as NSString).appendingPathComponent("date=\(date)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = (folder as NSString).appendingPathComponent(
            ".tmp-part-\(topic)-\(partition)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).parquet")
        var parquetOptions = ParquetWriterOptions()
        parquetOptions.compression = options.compression
        parquetOptions.rowGroupBytes = Self.rowGroupBytes
        parquetOptions.metadata = metadata + [("sluice.partition", String(partition))]
        parquetOptions.createdBy = "sluice version \(SluiceVersion.current)"
        let writer = try ParquetWriter(path: path, schema: Self.parquetSchema(layout), options: parquetOptions)
        return (writer, path)
    }

    /// Row groups of the feature log's files, in uncompressed bytes: 16 MiB, about 130,000 rows of
    /// the fraud topology. Groups are encoded as they fill, so a file's rows are not all held in
    /// memory until it closes; each group has its own dictionaries (docs/offline.md).
    static let rowGroupBytes = 16 << 20

    static func parquetSchema(_ layout: FeatureLogLayout) -> [ParquetField] {
        layout.columns.map { column in
            let type: ParquetType =
                switch column.kind {
                case .string: .string
                case .timestampMillis: .timestampMillis
                case .int32: .int32
                case .int64: .int64
                case .double: .double
                }
            // Ids and offsets are mostly distinct: a dictionary would only be thrown away.
            let dictionary = column.name != "event_id" && column.name != "kafka_offset" && column.name != "event_time"
            return ParquetField(column.name, type, optional: column.optional, dictionary: dictionary)
        }
    }

    private func stagingPath(_ partition: Int32) -> String {
        (stagingFolder as NSString).appendingPathComponent("\(topic)-\(partition).rows")
    }

    /// Removes this partition's temporary files and the files renamed into place by a roll whose
    /// table commit never happened (a crash in between): their rows are in the staging file and
    /// roll again, and no reader may see them twice.
    private func removeUncommittedFiles(partition: Int32, committed snapshot: DeltaSnapshot) {
        let temporary = ".tmp-part-\(topic)-\(partition)-"
        let rolled = "part-\(topic)-\(partition)-"
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where folder.hasPrefix("date=")
        {
            let path = (root as NSString).appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                let uncommitted =
                    name.hasPrefix(rolled) && name.hasSuffix(".parquet") && snapshot.files["\(folder)/\(name)"] == nil
                if name.hasPrefix(temporary) || uncommitted { unlink((path as NSString).appendingPathComponent(name)) }
            }
        }
    }

    private func appendToFile(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.ioError("open", path) }
        defer { Foundation.close(descriptor) }
        try Self.writeAll(descriptor, bytes, path)
        guard fsync(descriptor) == 0 else { throw Self.ioError("fsync", path) }
    }

    /// Writes `bytes` to a temporary file, fsyncs it and renames it over `path`.
    private func replaceFile(_ path: String, with bytes: [UInt8]) throws {
        let temporary = path + ".tmp"
        let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.ioError("open", temporary) }
        do {
            try Self.writeAll(descriptor, bytes, temporary)
            guard fsync(descriptor) == 0 else { throw Self.ioError("fsync", temporary) }
        } catch {
            Foundation.close(descriptor)
            throw error
        }
        Foundation.close(descriptor)
        guard rename(temporary, path) == 0 else { throw Self.ioError("rename", temporary) }
        syncFolder((path as NSString).deletingLastPathComponent)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], _ path: String) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes {
                Foundation.write(descriptor, $0.baseAddress! + written, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path)
            }
            written += result
        }
    }

    /// fsync of the folder makes a rename durable.
    private func syncFolder(_ path: String) {
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        Foundation.close(descriptor)
    }

    private static func ioError(_ operation: String, _ path: String) -> OfflineError {
        OfflineError(.fileSystem, "feature log: \(operation) \(path) failed: \(String(cString: strerror(errno)))")
    }
}
