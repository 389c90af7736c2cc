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
    @OptionGroup var selection: DriftSettingsOptions

    /// The two files; both are required.
    func files() throws -> (reference: String, current: String) {
        guard let reference, let current else { throw ValidationError("--reference and --current are both required") }
        return (reference, current)
    }

    /// The comparison and the settings it used; a bad monitor file or input exits 1 saying why.
    func compare() throws -> (comparison: DatasetComparison, settings: DriftMonitorSettings) {
        let (reference, current) = try files()
        let settings = try selection.settings()
        let wanted = selection.wanted
        do {
            let comparison = try ParquetDriftComparison.compare(
                reference: reference, current: current, columns: wanted, settings: settings)
            return (comparison, settings)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
