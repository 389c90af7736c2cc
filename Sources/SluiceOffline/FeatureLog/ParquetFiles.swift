import Foundation
import SluiceCore
import SluiceDelta
import SluiceParquet

/// Which snapshot of a feature log table to read: the newest, a version, or the newest version
/// committed at or before a time (`--table-version`, `--table-as-of`).
public enum FeatureLogSnapshot: Sendable, Equatable {
    case newest
    case version(Int64)
    case asOf(Int64)
}

/// The data files a reader of a feature log folder reads (paths relative to it, sorted) and,
/// for a Delta table, which snapshot they are.
struct FeatureLogFiles {
    struct TableVersion {
        var path: String
        var id: String
        var version: Int64
    }

    var files: [String]
    var table: TableVersion?

    /// A Delta table's chosen snapshot; a folder written before the log became a table (no
    /// `_delta_log`): every Parquet file but the `.tmp-` files of a roll in progress.
    static func resolve(root: String, snapshot choice: FeatureLogSnapshot = .newest) throws(OfflineError)
        -> FeatureLogFiles
    {
        let table = DeltaTable(path: root)
        guard FileManager.default.fileExists(atPath: table.logPath) else {
            guard choice == .newest else {
                throw OfflineError(
                    .invalidSettings, "\(root) is not a Delta table, so it has no versions to choose from")
            }
            let files = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".parquet") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
                .sorted()
            return FeatureLogFiles(files: files, table: nil)
        }
        do {
            let version: Int64? =
                switch choice {
                case .newest: nil
                case .version(let version): version
                case .asOf(let time): try table.version(asOf: time)
                }
            let snapshot = try table.snapshot(version: version)
            let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
            return FeatureLogFiles(
                files: snapshot.files.keys.sorted(),
                table: TableVersion(path: absolute, id: snapshot.metadata?.id ?? "", version: snapshot.version))
        } catch {
            throw OfflineError(.fileSystem, "feature log table: \(error.message)")
        }
    }
}
