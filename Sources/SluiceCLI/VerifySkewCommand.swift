import ArgumentParser
import Foundation
import Sluice
import SluiceCore
import SluiceOffline

struct VerifySkewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-skew",
        abstract:
            "Compare what was served online (the log `sluice run --offline-dir` wrote) with the offline rows of a replay.",
        discussion: """
            Rows are joined on (kafka_partition, kafka_offset) and every feature is compared to the bit (null equals \
            null, NaN equals NaN) unless --tolerance is given. Prints mismatches per feature; exits 1 if there are any.
            """)

    @OptionGroup var topology: TopologyOption
    @Option(help: "Feature log written by `sluice run --offline-dir` (what the online engine computed).")
    var online: String
    @Option(help: "Feature log written by `sluice replay --out` (what training sets are built from).")
    var offline: String
    @Option(help: "Compare this many randomly chosen online rows (default: all).")
    var sample: Int?
    @Option(help: "Random seed of the sample.")
    var seed: UInt64 = 1
    @Option(help: "Relative tolerance (0: exact to the bit).")
    var tolerance: Double = 0
    @Flag(help: "Print the report as JSON.")
    var json = false
    @OptionGroup(title: "Snapshot of the --online table") var table: TableSnapshotOptions

    func run() throws {
        let name = try topology.load().topology.name
        let served = try FeatureLogTable.read(directory: online, topology: name, snapshot: try table.snapshot())
        let rebuilt = try FeatureLogTable.read(directory: offline, topology: name)
        let report = try SkewVerifier.compare(
            served: served, offline: rebuilt, sample: sample, seed: seed, tolerance: tolerance)
        if json {
            let features = report.features.map { feature -> [String: Any] in
                ["feature": feature.name, "compared": feature.compared, "mismatches": feature.mismatches]
            }
            let object: [String: Any] = [
                "sampled": report.sampled, "missing_offline": report.missingOffline,
                "missing_online": report.missingServed,
                "mismatches": report.totalMismatches, "features": features,
            ]
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            )
        } else {
            print("compared \(report.sampled) online rows (of \(served.count)) with \(rebuilt.count) offline rows")
            if report.missingOffline > 0 { print("  \(report.missingOffline) sampled online rows have no offline row") }
            if report.missingServed > 0 { print("  \(report.missingServed) offline rows have no online row") }
            let width = report.features.map(\.name.count).max() ?? 10
            for feature in report.features {
                var line = feature.name.padding(toLength: width, withPad: " ", startingAt: 0)
                line += "  \(feature.mismatches) mismatches"
                if feature.compared > 0 {
                    line += String(format: " (%.3f%%)", 100 * Double(feature.mismatches) / Double(feature.compared))
                }
                if let example = feature.example {
                    line +=
                        "  e.g. partition \(example.partition) offset \(example.offset): online \(describe(example.served)), offline \(describe(example.offline))"
                }
                print(line)
            }
            print(report.totalMismatches == 0 ? "no skew" : "skew: \(report.totalMismatches) mismatches")
        }
        if report.totalMismatches > 0 { throw ExitCode(1) }
    }

    private func describe(_ value: Double?) -> String { value.map { "\($0)" } ?? "null" }
}
