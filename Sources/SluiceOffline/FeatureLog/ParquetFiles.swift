import Foundation
import SluiceCore
import SluiceDelta
import SluiceParquet

/// The data files of a log folder (paths relative to it, sorted): those of the newest snapshot
/// when the folder is a Delta table, else every Parquet file but the `.tmp-` files of a roll in
/// progress (a folder written before the log became a table).
func parquetFiles(under root: String) throws(OfflineError) -> [String] {
    let table = DeltaTable(path: root)
    if FileManager.default.fileExists(atPath: table.logPath) {
        do {
            return try table.snapshot().files.keys.sorted()
        } catch {
            throw OfflineError(.fileSystem, "feature log table: \(error.message)")
        }
    }
    return (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
        .filter { $0.hasSuffix(".parquet") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
        .sorted()
}
