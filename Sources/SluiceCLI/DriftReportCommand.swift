import ArgumentParser
import Foundation
import SluiceDrift

struct DriftReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the drift comparison of two Parquet files as one self-contained HTML page.",
        discussion: """
            The page lists the columns by severity, then per column the reference's and the current's \
            distributions side by side (inline SVG), the statistics and the decision; it needs no network and no \
            script. The statistics are those of `sluice drift compare` (docs/drift.md).
            """)

    @OptionGroup var input: DriftInputOptions
    @Option(help: "The HTML file to write.")
    var out: String
    @Option(help: "The page's title.")
    var title = "Drift report"

    func run() throws {
        let (comparison, settings) = try input.compare()
        let page = DriftReportPage(
            title: title, referenceName: (input.reference as NSString).lastPathComponent,
            currentName: (input.current as NSString).lastPathComponent, comparison: comparison, bins: settings.bins,
            generatedAt: Int64(Date().timeIntervalSince1970 * 1000))
        do {
            try Data(page.html().utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("error: cannot write \(out): \(error.localizedDescription)\n".utf8))
            throw ExitCode(1)
        }
        let drifted = comparison.columns.filter { $0.decision?.drifted == true }.count
        print("wrote \(out): \(drifted) of \(comparison.columns.count) columns drifted")
    }
}
