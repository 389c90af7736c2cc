import Foundation
import SluiceCore
import SluiceDelta

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice offline vacuum`: deletes the data files no snapshot inside the retention needs. Kept:
/// the files of every version committed within the retention, of the newest version committed
/// before it (a reader as of the retention's start reads that one), and of the newest version.
/// Any other Parquet file under the table (removed by a later commit, or never committed: a roll
/// cut short by a crash) goes once it is older than the retention, so that a file a running
/// writer has just put in place, before its commit, is never touched.
public enum DeltaVacuum {
    public struct Result: Sendable, Equatable {
        /// Relative paths, sorted.
        public var deleted: [String] = []
        public var bytes: Int64 = 0
        public var kept = 0
    }

    public static func run(path: String, retain: Int64, now: Int64, dryRun: Bool) throws(OfflineError) -> Result {
        let table = DeltaTable(path: path)
        let cutoff = now - retain
        var needed = Set<String>()
        do throws(DeltaLogError) {
            let (commits, checkpoints) = try table.listing()
            var snapshot = DeltaSnapshot()
            var beforeCutoff: Set<String> = []
            func note(_ version: Int64) throws(DeltaLogError) {
                if try table.commitTime(of: version) < cutoff {
                    beforeCutoff = Set(snapshot.files.keys)
                } else {
                    needed.formUnion(snapshot.files.keys)
                }
            }
            // A log whose first commits were cleaned up starts at the oldest checkpoint that the
            // remaining commits follow.
            if let first = commits.first, first > 0 {
                guard let start = checkpoints.first(where: { $0 >= first - 1 }) else {
                    throw DeltaLogError(.gap, "\(path) has no commits before \(first) and no checkpoint to start from")
                }
                snapshot = try table.snapshot(version: start)
                try note(start)
            }
            for version in commits where version > snapshot.version {
                try snapshot.apply(try table.actions(of: version), version: version)
                try note(version)
            }
            needed.formUnion(beforeCutoff)
            needed.formUnion(snapshot.files.keys)
        } catch {
            throw OfflineError(.fileSystem, error.message)
        }
        var result = Result(kept: needed.count)
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            let top = relative.split(separator: "/").first.map(String.init) ?? relative
            guard top != DeltaLogFiles.folder, top != "_staging", relative.hasSuffix(".parquet"),
                !needed.contains(relative)
            else { continue }
            let full = path + "/" + relative
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                let modified = attributes[.modificationDate] as? Date,
                Int64(modified.timeIntervalSince1970 * 1000) < cutoff
            else { continue }
            result.deleted.append(relative)
            result.bytes += (attributes[.size] as? NSNumber)?.int64Value ?? 0
            if !dryRun && unlink(full) != 0 {
                throw OfflineError(.fileSystem, "cannot delete \(full): \(String(cString: strerror(errno)))")
            }
        }
        result.deleted.sort()
        return result
    }
}
