import ArgumentParser
import Foundation
import Logging
import Sluice
import SluiceCore
import SluiceModel
import SluiceOffline
import SluiceRegistry
import SluiceRuntime

struct ExperimentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per variant of a model's deployment: requests, matured outcomes and quality with 95% intervals.",
        discussion: """
            Joins the prediction log with the labels as `sluice outcomes` does. Per variant (champion, canary, A/B \
            arm, shadow; and version): requests, matured, labeled, fraud, pending; on the matured outcomes the fraud \
            rate, ROC-AUC, PR-AUC (average precision), precision and recall at the deployment's threshold, recall at \
            1% false-positive rate and the Brier score; the p99 of the served requests' latency. Canaries and arms \
            are compared with the champion by an always-valid p-value (mixture sequential probability ratio test on \
            the Brier score), so that reading the report every day does not inflate false alarms. Methods: \
            docs/scoring.md.
            """)

    @Argument(help: "Model name.")
    var name: String
    @OptionGroup var source: OutcomesOptions
    @Option(help: "Decision threshold. (default: the deployment's at --as-of, else 0.5)")
    var threshold: Double?
    @Option(help: "The mSPRT mixture's standard deviation, in standard deviations of one Brier score.")
    var mixtureSD: Double = 0.1
    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var registryStore: RegistryStoreOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be within 0...1") }
        guard mixtureSD > 0 else { throw ValidationError("--mixture-sd must be positive") }
    }

    func run() async throws {
        logging.bootstrap(default: .warning)
        let logger = Logger(label: "sluice.experiment")
        let join = try source.join()
        let registry: Registry
        do {
            registry = try await registryStore.location.open()
        } catch {
            throw RegistryOptions.exit(error)
        }
        let known: Bool
        let deployment: Deployment?
        do {
            known = try await registry.model(name) != nil
            deployment = try await registry.deployment(name, at: join.asOf)
            await registry.database.close()
        } catch {
            await registry.database.close()
            throw RegistryOptions.exit(error)
        }
        guard known else {
            FileHandle.standardError.write(Data("error: no model named \(name) in the registry\n".utf8))
            throw ExitCode(1)
        }
        let outcomes: [Outcome]
        do {
            outcomes = try await source.outcomes(model: name, join: join, logger: logger)
        } catch {
            logger.error("sluice experiment report failed: \(error)")
            throw ExitCode(1)
        }
        let report = ExperimentReport.build(
            model: name, outcomes: outcomes, join: join, threshold: threshold ?? deployment?.threshold ?? 0.5,
            champion: deployment?.champion, mixtureSD: mixtureSD)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        print(Self.text(report))
    }

    static func text(_ report: ExperimentReport) -> String {
        var lines = [
            "\(report.model) as of \(TimeArgument.iso8601(report.asOf)); label delay \(DurationText.format(report.labelDelayMax)); "
                + "threshold \(report.threshold); 95% intervals in brackets"
        ]
        if report.variants.isEmpty { lines.append("no predictions") }
        for variant in report.variants {
            lines.append("")
            lines.append(
                "\(variant.label)\(variant.served ? "" : " (not served)"): \(variant.requests) requests, "
                    + "\(variant.matured) matured, \(variant.labeled) labeled, \(variant.fraud) fraud, \(variant.pending) pending"
            )
            func row(_ name: String, _ estimate: ExperimentReport.Estimate, _ format: (Double) -> String) {
                guard let value = estimate.value else { return lines.append("  \(pad(name))-") }
                let interval = estimate.interval.map { " [\(format($0.lower)), \(format($0.upper))]" } ?? ""
                lines.append("  \(pad(name))\(format(value))\(interval)")
            }
            let percent = { (value: Double) in String(format: "%.3f%%", value * 100) }
            let ratio = { (value: Double) in String(format: "%.4f", value) }
            row("fraud rate", variant.fraudRate, percent)
            row("ROC-AUC", variant.rocAUC, ratio)
            row("PR-AUC", variant.prAUC, ratio)
            row("precision @ \(report.threshold)", variant.precision, ratio)
            row("recall @ \(report.threshold)", variant.recall, ratio)
            row("recall @ 1% FPR", variant.recallAt1PercentFPR, ratio)
            row("Brier score", ExperimentReport.Estimate(variant.brierScore), { String(format: "%.5f", $0) })
            if variant.served {
                row("latency p99", variant.latencyP99Microseconds, { String(format: "%.0f µs", $0) })
            }
            if let comparison = variant.comparison {
                let difference = comparison.brierDifference.map { String(format: "%+.5f", $0) } ?? "-"
                lines.append(
                    "  \(pad("vs \(comparison.baseline)"))Brier \(difference), always-valid p = "
                        + String(format: "%.4f", comparison.pValue))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String) -> String {
        text.count >= 22 ? text + " " : text + String(repeating: " ", count: 22 - text.count)
    }
}
