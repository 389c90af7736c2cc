import Foundation
import SluiceDelta

#if canImport(Glibc)
    import Glibc
#endif

/// A Delta Lake table in a local (or POSIX shared) folder: reads its log into snapshots and adds
/// commits. A commit is the atomic creation of the next version's file, by link(2) of a fully
/// written and fsynced temporary file: if another writer created that version first, link fails
/// with EEXIST and nothing is overwritten (`DeltaLogError.conflict`); `commitNext` then reads the
/// winner's commit and tries the next version. Needs a file system with atomic create-if-absent
/// (object stores need a commit coordinator; docs/offline.md).
public struct DeltaTable: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var logPath: String { path + "/" + DeltaLogFiles.folder }

    /// The table's commit versions in the log, ascending.
    public func versions() throws(DeltaLogError) -> [Int64] { try listing().commits }

    /// The versions of the commit files and of the single-file checkpoints in the log, ascending.
    public func listing() throws(DeltaLogError) -> (commits: [Int64], checkpoints: [Int64]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: logPath)
        } catch {
            throw DeltaLogError(.noTable, "\(path) is not a Delta table (no \(DeltaLogFiles.folder) folder)")
        }
        return (
            names.compactMap(DeltaLogFiles.commitVersion).sorted(),
            names.compactMap(DeltaLogFiles.checkpointVersion).sorted()
        )
    }

    /// The table as of `version` (default: the newest): the newest checkpoint at or before it,
    /// then the commits after the checkpoint (all commits from 0 when there is none).
    public func snapshot(version wanted: Int64? = nil) throws(DeltaLogError) -> DeltaSnapshot {
        let (commits, checkpoints) = try listing()
        guard let newest = [commits.last, checkpoints.last].compactMap({ $0 }).max() else {
            throw DeltaLogError(.noTable, "\(path) is not a Delta table (its log has no commit)")
        }
        let target = wanted ?? newest
        let oldest = min(commits.first ?? newest, checkpoints.first ?? newest)
        guard target >= 0 && target <= newest else {
            throw DeltaLogError(.noTable, "\(path) has versions 0 to \(newest); there is no version \(target)")
        }
        var snapshot = DeltaSnapshot()
        if let start = checkpoints.last(where: { $0 <= target }) {
            snapshot = try DeltaCheckpoint.read(path: logPath + "/" + DeltaLogFiles.checkpoint(start), version: start)
        } else if oldest > 0 {
            throw DeltaLogError(
                .gap,
                "\(path) has no checkpoint at or before version \(target) and no commits before \(oldest): that version can no longer be read"
            )
        }
        for version in commits where version > snapshot.version && version <= target {
            try snapshot.apply(try actions(of: version), version: version)
        }
        guard snapshot.version == target else {
            throw DeltaLogError(.gap, "\(logPath) lacks commit \(snapshot.version + 1) before \(target)")
        }
        return snapshot
    }

    /// A checkpoint is written after every `checkpointInterval`-th version.
    public static let checkpointInterval: Int64 = 10

    public static func isCheckpointDue(_ version: Int64) -> Bool {
        version > 0 && version % checkpointInterval == 0
    }

    /// Writes the checkpoint of `snapshot` and then points `_last_checkpoint` at it; returns the
    /// checkpoint's row count and size in bytes. A failure leaves the table as readable as before:
    /// its commits are untouched.
    @discardableResult
    public func writeCheckpoint(_ snapshot: DeltaSnapshot, now: Int64) throws(DeltaLogError) -> (rows: Int, bytes: Int)
    {
        let written = try DeltaCheckpoint.write(snapshot, logPath: logPath, now: now)
        try replace(
            logPath + "/" + DeltaLogFiles.lastCheckpoint,
            with: DeltaLogFiles.lastCheckpointText(
                version: snapshot.version, rows: written.rows, bytes: written.bytes, addFiles: snapshot.files.count))
        return written
    }

    /// When a version was committed: its commitInfo's timestamp, else the modification time of
    /// its commit file, or of its checkpoint once the commit file is gone (epoch ms).
    public func commitTime(of version: Int64) throws(DeltaLogError) -> Int64 {
        let file = logPath + "/" + DeltaLogFiles.commit(version)
        let exists = FileManager.default.fileExists(atPath: file)
        if exists {
            for action in try actions(of: version) {
                if case .commitInfo(let info) = action, info.timestamp > 0 { return info.timestamp }
            }
        }
        let source = exists ? file : logPath + "/" + DeltaLogFiles.checkpoint(version)
        let modified = (try? FileManager.default.attributesOfItem(atPath: source)[.modificationDate]) as? Date
        return Int64(((modified ?? .distantPast).timeIntervalSince1970 * 1000).rounded())
    }

    /// The newest version committed at or before `time` (epoch ms).
    public func version(asOf time: Int64) throws(DeltaLogError) -> Int64 {
        for version in try versions().reversed() where try commitTime(of: version) <= time { return version }
        throw DeltaLogError(
            .noTable, "\(path) has no version committed at or before \(time) (its first commit is later)")
    }

    /// The actions of one commit, in file order.
    public func actions(of version: Int64) throws(DeltaLogError) -> [DeltaAction] {
        let file = logPath + "/" + DeltaLogFiles.commit(version)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DeltaLogError(.fileSystem, "cannot read \(file)")
        }
        var actions: [DeltaAction] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            do {
                actions.append(try DeltaAction(line: String(line)))
            } catch {
                throw DeltaLogError(
                    error.kind,
                    "\(file):\(number + 1): \(error.message); the commit is damaged: restore it, or remove it only if it is the newest"
                )
            }
        }
        return actions
    }

    /// Creates the table: version 0 with the protocol, the metadata and a commitInfo.
    public func create(metadata: DeltaMetadata, now: Int64) throws(DeltaLogError) {
        do {
            try FileManager.default.createDirectory(atPath: logPath, withIntermediateDirectories: true)
        } catch {
            throw DeltaLogError(.fileSystem, "cannot create \(logPath): \(error)")
        }
        try commit(
            [
                .commitInfo(
                    DeltaCommitInfo(
                        timestamp: now, operation: "CREATE TABLE",
                        operationParameters: ["partitionBy": partitionText(metadata.partitionColumns)])),
                .protocolVersions(.sluice), .metadata(metadata),
            ], version: 0)
    }

    private func partitionText(_ columns: [String]) -> String {
        "[" + columns.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    /// Writes the commit file of `version`, or throws `.conflict` when it exists.
    public func commit(_ actions: [DeltaAction], version: Int64) throws(DeltaLogError) {
        let final = logPath + "/" + DeltaLogFiles.commit(version)
        let temporary =
            logPath + "/.\(DeltaLogFiles.commit(version)).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let text = actions.map(\.line).joined(separator: "\n") + "\n"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw fileError("cannot create \(temporary)") }
        defer { unlink(temporary) }
        let written = text.utf8CString.withUnsafeBufferPointer { buffer in
            writeAll(descriptor, buffer.baseAddress!, buffer.count - 1)
        }
        guard written, fsync(descriptor) == 0 else {
            let error = fileError("cannot write \(temporary)")
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard link(temporary, final) == 0 else {
            if errno == EEXIST {
                throw DeltaLogError(.conflict, "version \(version) of \(path) was committed by another writer")
            }
            throw fileError("cannot commit \(final)")
        }
        let folder = open(logPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    /// Brings `snapshot` to the newest version by applying the commits after its own (an empty
    /// snapshot starts from the newest checkpoint).
    public func update(_ snapshot: inout DeltaSnapshot) throws(DeltaLogError) {
        if snapshot.version < 0 {
            snapshot = try self.snapshot()
            return
        }
        for version in try versions() where version > snapshot.version {
            try snapshot.apply(try actions(of: version), version: version)
        }
    }

    /// Optimistic commit: `make` builds the actions from the newest snapshot (nil: nothing to
    /// commit, for example because the snapshot's transaction versions show it was committed);
    /// on a conflict it runs again on the snapshot that includes the winner. Returns the version
    /// committed, or nil.
    public func commitNext(
        attempts: Int = 100, _ make: (DeltaSnapshot) throws(DeltaLogError) -> [DeltaAction]?
    ) throws(DeltaLogError) -> Int64? {
        var snapshot = DeltaSnapshot()
        return try commitNext(updating: &snapshot, attempts: attempts, make)
    }

    /// `commitNext` on a snapshot the caller keeps: only the commits after it are read, and the
    /// new commit is applied to it.
    public func commitNext(
        updating snapshot: inout DeltaSnapshot, attempts: Int = 100,
        _ make: (DeltaSnapshot) throws(DeltaLogError) -> [DeltaAction]?
    ) throws(DeltaLogError) -> Int64? {
        for _ in 0..<attempts {
            try update(&snapshot)
            guard snapshot.isWritable else {
                throw DeltaLogError(
                    .unsupportedProtocol,
                    "\(path) needs \(snapshot.protocolVersions?.summary ?? "an unknown protocol"); Sluice writes writer version \(DeltaProtocol.supportedWriterVersion) and never writes a table it does not fully support"
                )
            }
            guard let actions = try make(snapshot) else { return nil }
            do {
                try commit(actions, version: snapshot.version + 1)
            } catch  where error.kind == .conflict {
                continue
            }
            try snapshot.apply(actions, version: snapshot.version + 1)
            return snapshot.version
        }
        throw DeltaLogError(.conflict, "\(path): \(attempts) commits in a row lost to other writers")
    }

    /// Replaces the file at `target` with `text` atomically (a temporary file, fsynced, renamed).
    private func replace(_ target: String, with text: String) throws(DeltaLogError) {
        let temporary = target + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw fileError("cannot create \(temporary)") }
        let written = text.utf8CString.withUnsafeBufferPointer { buffer in
            writeAll(descriptor, buffer.baseAddress!, buffer.count - 1)
        }
        guard written, fsync(descriptor) == 0 else {
            let error = fileError("cannot write \(temporary)")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, target) == 0 else {
            let error = fileError("cannot rename \(temporary) to \(target)")
            unlink(temporary)
            throw error
        }
    }

    private func writeAll(_ descriptor: Int32, _ bytes: UnsafePointer<CChar>, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let result = write(descriptor, bytes + offset, count - offset)
            if result < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += result
        }
        return true
    }

    private func fileError(_ message: String) -> DeltaLogError {
        DeltaLogError(.fileSystem, "\(message): \(String(cString: strerror(errno)))")
    }
}
