import ArgumentParser
import Foundation
import SluiceCore
import SluiceDrift
import SluiceOffline
import SluiceTopology

/// The two files and the settings `sluice drift compare` and `sluice drift report` share.
struct DriftInputOptions: ParsableArguments {
    @Option(help: "The reference Parquet file (what the model was trained on).")
    var reference: String?
    @Option(help: "The current Parquet file.")
    var current: String?
    @Option(help: "Columns to compare, comma-separated (default: every column of the reference).")
    var columns: String?
    @Option(
        help: "Quantile bins for PSI, KL and Jensen-Shannon on numeric columns (default 10, or the monitor file's).")
    var bins: Int?
    @Option(help: "A drift monitor file: per-column methods and thresholds, ignored columns, bins (docs/drift.md).")
    var monitor: String?

    func validate() throws {
        if let bins, !(2...1_000).contains(bins) {
            throw ValidationError("--bins must be within 2...1000, not \(bins)")
        }
    }

    /// The two files; both are required.
    func files() throws -> (reference: String, current: String) {
        guard let reference, let current else { throw ValidationError("--reference and --current are both required") }
        return (reference, current)
    }

    /// The comparison and the settings it used; a bad monitor file or input exits 1 saying why.
    func compare() throws -> (comparison: DatasetComparison, settings: DriftMonitorSettings) {
        let (reference, current) = try files()
        let settings = try Self.settings(monitor: monitor, bins: bins)
        let wanted = Self.columnList(columns)
        do {
            let comparison = try ParquetDriftComparison.compare(
                reference: reference, current: current, columns: wanted, settings: settings)
            return (comparison, settings)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The monitor file's settings (defaults without one) with `bins` over them; a bad file exits
    /// 1 with its file:line:column errors.
    static func settings(monitor: String?, bins: Int?) throws -> DriftMonitorSettings {
        var settings = DriftMonitorSettings()
        if let monitor {
            do {
                settings = try DriftMonitorLoader.load(file: monitor)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        if let bins { settings.bins = bins }
        return settings
    }

    /// `--columns a,b` as names.
    static func columnList(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }
}
