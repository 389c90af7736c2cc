import Foundation
import SluiceCore
import SluiceParquet

/// The finished Parquet files under a log folder (paths relative to it, sorted); temporary
/// `.tmp-` files of a roll in progress are left out.
func parquetFiles(under root: String) -> [String] {
    (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
        .filter { $0.hasSuffix(".parquet") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
        .sorted()
}
