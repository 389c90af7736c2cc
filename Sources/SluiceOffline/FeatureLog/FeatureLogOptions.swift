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

    /// What a resumed partition does with staged rows at or past the online store's progress.
    public var rowsPastProgress = RowsPastProgress.dropped

    public enum RowsPastProgress: Sendable, Equatable {
        /// They belong to a batch whose one transaction never landed: none of it is in the store,
        /// and the replay logs them again.
        case dropped
        /// They belong to a batch that may be partly written (a store without transactions across
        /// keys): they were computed from the state before it, so they are kept, and the replay
        /// logs no row up to the last of them.
        case kept
    }

    public init(directory: String) { self.directory = directory }
}
