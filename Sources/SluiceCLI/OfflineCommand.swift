import ArgumentParser
import Foundation
import SluiceCore
import SluiceDelta
import SluiceOffline
import SluiceRuntime

struct OfflineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offline",
        abstract: "The feature log's Delta tables: history and checks (docs/offline.md).",
        subcommands: [
            OfflineHistoryCommand.self, OfflineCheckCommand.self, OfflineCompactCommand.self, OfflineVacuumCommand.self,
        ])
}

/// The table folder of an `offline` command: DIR itself, or its one topology table.
struct OfflineTableArgument: ParsableArguments {
    @Argument(help: "The table: DIR/<topology> of an --offline-dir or replay --out (DIR itself if it holds one table).")
    var directory: String

    func table() throws -> String {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory + "/" + DeltaLogFiles.folder) { return directory }
        let tables = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).filter {
            manager.fileExists(atPath: directory + "/" + $0 + "/" + DeltaLogFiles.folder)
        }.sorted()
        if tables.count == 1 { return directory + "/" + tables[0] }
        throw ValidationError(
            tables.isEmpty
                ? "\(directory) is not a Delta table (no \(DeltaLogFiles.folder) folder)"
                : "\(directory) holds several tables; name one: \(tables.map { directory + "/" + $0 }.joined(separator: ", "))"
        )
    }
}

struct OfflineHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Every version of a table: time, operation, files and rows added or removed, transaction versions.")

    @OptionGroup var table: OfflineTableArgument
    @Flag(help: "Print JSON lines, one object per version.")
    var json = false

    func run() throws {
        let path = try table.table()
        let delta = DeltaTable(path: path)
        do {
            for version in try delta.versions() {
                let summary = DeltaCommitSummary(version: version, actions: try delta.actions(of: version))
                print(json ? Self.json(summary) : Self.line(summary))
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func line(_ summary: DeltaCommitSummary) -> String {
        var text = "version \(summary.version)"
        if let time = summary.timestamp { text += "  \(TimeText.iso(time))" }
        text += "  \(summary.operation ?? "?")"
        if summary.filesAdded > 0 {
            text += "  +\(summary.filesAdded) files (\(summary.rowsAdded.map(String.init) ?? "?") rows)"
        }
        if summary.filesRemoved > 0 {
            text += "  -\(summary.filesRemoved) files (\(summary.rowsRemoved.map(String.init) ?? "?") rows)"
        }
        if summary.changedMetadata { text += "  schema" }
        if !summary.transactions.isEmpty {
            text +=
                "  txn "
                + summary.transactions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " ")
        }
        return text
    }

    static func json(_ summary: DeltaCommitSummary) -> String {
        var object: [String: Any] = [
            "version": summary.version, "files_added": summary.filesAdded, "files_removed": summary.filesRemoved,
            "bytes_added": summary.bytesAdded, "transactions": summary.transactions,
            "changed_metadata": summary.changedMetadata,
        ]
        object["timestamp"] = summary.timestamp
        object["operation"] = summary.operation
        object["rows_added"] = summary.rowsAdded
        object["rows_removed"] = summary.rowsRemoved
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

struct OfflineCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Verify a table: its log, every file's size and rows against the log, the transaction versions against the rows.",
        discussion: "Exits 0 when everything holds, 1 listing each problem otherwise.")

    @OptionGroup var table: OfflineTableArgument

    func run() throws {
        let path = try table.table()
        let report: FeatureLogTableCheck.Report
        do {
            report = try FeatureLogTableCheck.run(path: path)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        for problem in report.problems { print("problem: \(problem)") }
        print(
            "\(path) version \(report.version): \(report.files) files, \(report.rows) rows, \(report.transactions) transaction versions; "
                + (report.problems.isEmpty ? "all consistent" : "\(report.problems.count) problems"))
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

struct OfflineVacuumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract:
            "Delete the data files no snapshot within the retention needs, and leftovers of rolls never committed.",
        discussion: """
            Kept: the files of every version committed within --retain, of the newest version before it, and of the \
            newest version; time travel to a version older than that stops working. Other Parquet files are deleted \
            once older than --retain.
            """)

    @OptionGroup var table: OfflineTableArgument
    @Option(help: "How far back time travel must keep working, e.g. 7d.")
    var retain: String
    @Flag(help: "List what would be deleted, delete nothing.")
    var dryRun = false

    func run() throws {
        guard let retention = DurationText.milliseconds(retain), retention >= 0 else {
            throw ValidationError("--retain must be a duration such as 7d or 12h, not '\(retain)'")
        }
        let path = try table.table()
        let result: DeltaVacuum.Result
        do {
            result = try DeltaVacuum.run(path: path, retain: retention, now: TimeArgument.now(), dryRun: dryRun)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        for file in result.deleted { print("\(dryRun ? "would delete" : "deleted") \(file)") }
        print(
            "\(path): \(result.deleted.count) files (\(result.bytes) bytes) \(dryRun ? "to delete" : "deleted"), \(result.kept) kept"
        )
    }
}

struct OfflineCompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the small files of each date into files near a target size, in one commit.",
        discussion: """
            The commit removes the small files and adds the new ones with dataChange false: the rows are the same, \
            older versions still read the old files until `sluice offline vacuum` deletes them. Safe beside a \
            running writer: its commits and this one go to successive versions.
            """)

    @OptionGroup var table: OfflineTableArgument
    @Option(help: "Size of the files to make, and below which a file counts as small (MB).")
    var targetMegabytes: Int = 256
    @Option(help: "Only this date: date=YYYY-MM-DD.")
    var partition: String?

    func run() throws {
        guard targetMegabytes > 0 else { throw ValidationError("--target-megabytes must be positive") }
        var date: String?
        if let partition {
            guard partition.hasPrefix("date="), partition.count > 5 else {
                throw ValidationError("--partition must be date=YYYY-MM-DD, not '\(partition)'")
            }
            date = String(partition.dropFirst(5))
        }
        let path = try table.table()
        let result: DeltaCompaction.Result
        do {
            result = try DeltaCompaction.run(
                path: path, targetBytes: Int64(targetMegabytes) << 20, date: date, now: TimeArgument.now())
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        guard let version = result.version else {
            print("\(path): nothing to compact")
            return
        }
        print(
            "\(path) version \(version): \(result.filesRemoved) files rewritten into \(result.filesAdded) (\(result.rows) rows)"
        )
        if let failure = result.checkpointFailure {
            FileHandle.standardError.write(
                Data("warning: the checkpoint of version \(version) was not written: \(failure)\n".utf8))
        }
    }
}
