import ArgumentParser
import Foundation
import SluiceCore
import SluiceDrift
import SluiceOffline
import SluiceTopology

struct DriftCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two Parquet files column by column: KS, Wasserstein, PSI, KL, Jensen-Shannon, chi-square.",
        discussion: """
            Numeric columns get the two-sample Kolmogorov-Smirnov test, the Wasserstein distance (also over the \
            reference's standard deviation) and, on bins at the reference's quantiles, PSI, KL and Jensen-Shannon; \
            string and boolean columns get the chi-square test and PSI and Jensen-Shannon on category shares. \
            Nulls and NaN are left out and reported as null shares. Each column's decision follows its kind and \
            sample size (docs/drift.md); columns are listed by severity. Exits 3 with --fail-on-drift when a \
            column drifted.
            """)

    @Option(help: "The reference Parquet file (what the model was trained on).")
    var reference: String
    @Option(help: "The current Parquet file.")
    var current: String
    @Option(help: "Columns to compare, comma-separated (default: every column of the reference).")
    var columns: String?
    @Option(
        help: "Quantile bins for PSI, KL and Jensen-Shannon on numeric columns (default 10, or the monitor file's).")
    var bins: Int?
    @Option(help: "A drift monitor file: per-column methods and thresholds, ignored columns, bins (docs/drift.md).")
    var monitor: String?
    @Flag(help: "Print JSON instead of a table.")
    var json = false
    @Flag(help: "Exit with status 3 when any column drifted.")
    var failOnDrift = false

    func run() throws {
        let wanted = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
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
        let comparison: DatasetComparison
        do {
            comparison = try ParquetDriftComparison.compare(
                reference: reference, current: current, columns: wanted, settings: settings)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(comparison), as: UTF8.self))
        } else {
            print(DriftTable.render(comparison, reference: reference, current: current, bins: settings.bins))
        }
        if failOnDrift && comparison.columns.contains(where: { $0.decision?.drifted == true }) { throw ExitCode(3) }
    }
}
