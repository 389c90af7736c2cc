import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceParquet
import SluiceRuntime

/// Settings of the offline feature log.
public struct FeatureLogOptions: Sendable {
    /// Root folder; files go under `<directory>/<topology>/date=YYYY-MM-DD/`.
    public var directory: String
    /// A partition's open files are rolled once they hold this many rows. Default: 500,000.
    public var rollRows: Int = 500_000
    /// ... or once they hold about this many bytes (uncompressed estimate). Default: 256 MiB.
    public var rollBytes: Int = 256 << 20
    /// ... or once their oldest row is this old (live runs only; replays roll by rows). Default: 60 s.
    public var rollInterval: Duration = .seconds(60)
    /// Whether rows go through a fsynced staging file first (live runs, for exactly-once rows
    /// across crashes). Replays write Parquet only.
    public var staging: Bool = true
    public var compression: ParquetCompression = .zstd
    /// Whether a table whose columns no longer fit the topology (removed or retyped) is replaced
    /// by a new one in place (`--new-table`) instead of refused. Default: false.
    public var replaceIncompatibleTable = false

    public init(directory: String) { self.directory = directory }
}
