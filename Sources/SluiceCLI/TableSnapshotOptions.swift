import ArgumentParser
import SluiceOffline
import SluiceRuntime

/// `--table-version N` or `--table-as-of TIME`: which snapshot of a feature log table to read.
struct TableSnapshotOptions: ParsableArguments {
    @Option(help: "Read this version of the feature log table (time travel). (default: the newest)")
    var tableVersion: Int64?
    @Option(
        help: "Read the newest version of the feature log table committed at or before this time: epoch ms or ISO-8601."
    )
    var tableAsOf: String?

    func validate() throws {
        if tableVersion != nil && tableAsOf != nil {
            throw ValidationError("give --table-version or --table-as-of, not both")
        }
        if let tableVersion, tableVersion < 0 { throw ValidationError("--table-version must be 0 or more") }
    }

    func snapshot() throws -> FeatureLogSnapshot {
        if let tableVersion { return .version(tableVersion) }
        if let tableAsOf { return .asOf(try TimeArgument.parse(tableAsOf)) }
        return .newest
    }
}
