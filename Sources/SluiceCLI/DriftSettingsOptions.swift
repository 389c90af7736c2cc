import ArgumentParser
import Foundation
import SluiceDrift
import SluiceTopology

/// The columns, bins and monitor file every drift command takes.
struct DriftSettingsOptions: ParsableArguments {
    @Option(
        help: "Columns to compare, comma-separated (default: every column of the reference; for run, but identifiers).")
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

    /// `--columns a,b` as names.
    var wanted: [String]? {
        columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// The monitor file's settings (defaults without one) with `--bins` over them; a bad file
    /// exits 1 with its file:line:column errors.
    func settings() throws -> DriftMonitorSettings {
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
}
