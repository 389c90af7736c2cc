import ArgumentParser
import Foundation
import SluiceDrift

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

    @OptionGroup var input: DriftInputOptions
    @Flag(help: "Print JSON instead of a table.")
    var json = false
    @Flag(help: "Exit with status 3 when any column drifted.")
    var failOnDrift = false

    func validate() throws { _ = try input.files() }

    func run() throws {
        let (comparison, settings) = try input.compare()
        let (reference, current) = try input.files()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(comparison), as: UTF8.self))
        } else {
            print(
                DriftTable.render(comparison, reference: reference, current: current, bins: settings.bins))
        }
        if failOnDrift && comparison.columns.contains(where: { $0.decision?.drifted == true }) { throw ExitCode(3) }
    }
}
