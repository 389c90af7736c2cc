import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceDrift
import SluiceOffline
import SluiceRuntime

struct DriftReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a drift comparison as one self-contained HTML page: two Parquet files, or a live window.",
        discussion: """
            The page lists the columns by severity, then per column the reference's and the current's \
            distributions side by side (inline SVG), the statistics and the decision; it needs no network and no \
            script. With --reference and --current, the statistics are those of `sluice drift compare`; with \
            --window TIME, they are those `sluice drift run` published for the closed window containing TIME \
            (docs/drift.md).
            """)

    @OptionGroup var input: DriftInputOptions
    @Option(help: "Report the live window containing this time (epoch ms or ISO-8601) from the drift topic.")
    var window: String?
    @Option(help: "The drift topic `sluice drift run` publishes to (with --window).")
    var driftTopic = "sluice.drift"
    @Option(help: "The monitor's fingerprint, when several monitors publish to the drift topic (with --window).")
    var monitorID: String?
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The HTML file to write.")
    var out: String
    @Option(help: "The page's title.")
    var title = "Drift report"

    func validate() throws {
        if window == nil {
            _ = try input.files()
        } else if input.reference != nil || input.current != nil {
            throw ValidationError("--window reports a live window: leave out --reference and --current")
        }
    }

    func run() async throws {
        let page: DriftReportPage
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if let window {
            let time = try TimeArgument.parse(window)
            let live: DriftTopicWindow
            do {
                var logger = Logger(label: "sluice.drift")
                logger.logLevel = .warning
                live = try await DriftTopicWindow.read(
                    containing: time, topic: driftTopic, monitor: monitorID, client: connection.settings.kafkaClient,
                    logger: logger)
            } catch let error as OfflineError {
                FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
                throw ExitCode(1)
            }
            let bins = live.records.compactMap { $0.comparison.bins?.count }.max() ?? 10
            page = DriftReportPage(
                title: title, referenceName: "reference of monitor \(live.monitor)",
                currentName:
                    "window \(TimeArgument.iso8601(live.windowStart)) to \(TimeArgument.iso8601(live.windowEnd)) (\(driftTopic))",
                comparison: live.comparison, bins: bins, generatedAt: now,
                concept: live.concept.map {
                    DriftReportPage.ConceptEntry(label: "\($0.model) \($0.label)", metrics: $0.metrics)
                }
            )
        } else {
            let (comparison, settings) = try input.compare()
            let (reference, current) = try input.files()
            page = DriftReportPage(
                title: title, referenceName: (reference as NSString).lastPathComponent,
                currentName: (current as NSString).lastPathComponent, comparison: comparison, bins: settings.bins,
                generatedAt: now, concept: try conceptEntries(reference: reference, current: current))
        }
        do {
            try Data(page.html().utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("error: cannot write \(out): \(error.localizedDescription)\n".utf8))
            throw ExitCode(1)
        }
        let drifted = page.comparison.columns.filter { $0.decision?.drifted == true }.count
        var summary = "wrote \(out): \(drifted) of \(page.comparison.columns.count) columns drifted"
        if !page.concept.isEmpty {
            summary +=
                "; concept drift in \(page.concept.count { $0.metrics.conditionalShift }) of \(page.concept.count)"
        }
        print(summary)
    }

    /// With `score` and `label` in both files: the current file's outcomes judged against the
    /// reference's.
    private func conceptEntries(reference: String, current: String) throws -> [DriftReportPage.ConceptEntry] {
        do {
            guard let metrics = try ConceptReferenceFile.compare(reference: reference, current: current) else {
                return []
            }
            return [DriftReportPage.ConceptEntry(label: (current as NSString).lastPathComponent, metrics: metrics)]
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
