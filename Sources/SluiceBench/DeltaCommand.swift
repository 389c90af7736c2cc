import ArgumentParser
import Foundation
import SluiceDelta
import SluiceOffline

/// Builds a Delta table of many small commits (adds with per-file stats, transaction versions)
/// and times opening it, for scripts/bench-delta. The data files are not written: opening a
/// table reads its log only.
struct DeltaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delta", abstract: "Build a Delta table of many commits, or time opening one.")

    @Argument(help: "build or open")
    var action: String
    @Option(help: "The table's folder.")
    var table: String
    @Option var commits = 1_000
    @Option var filesPerCommit = 2
    @Option(help: "Columns with stats per file.")
    var columns = 28
    @Option var rounds = 7

    func run() throws {
        switch action {
        case "build": try build()
        case "open": try open()
        default: throw ValidationError("the action is build or open, not \(action)")
        }
    }

    private func build() throws {
        let deltaTable = DeltaTable(path: table)
        let names = (0..<columns).map { "feature_\($0)" }
        let schema = DeltaSchema(columns: names.map { DeltaSchema.Column($0, .double) } + [.init("date", .string)])
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        try deltaTable.create(
            metadata: DeltaMetadata(id: UUID().uuidString.lowercased(), schema: schema, partitionColumns: ["date"]),
            now: now)
        var snapshot = DeltaSnapshot()
        var checkpointSeconds: [Double] = []
        let clock = ContinuousClock()
        for commit in 1...commits {
            var actions: [DeltaAction] = []
            for file in 0..<filesPerCommit {
                var stats = DeltaFileStats(numRecords: 4_000)
                for (index, name) in names.enumerated() {
                    stats.minValues[name] = .double(Double(index) - 0.5)
                    stats.maxValues[name] = .double(Double(index * 1_000 + commit))
                    stats.nullCount[name] = Int64(file)
                }
                actions.append(
                    .add(
                        DeltaAddFile(
                            path:
                                "date=2026-12-\(String(format: "%02d", commit % 28 + 1))/part-\(commit)-\(file).parquet",
                            partitionValues: ["date": "2026-12-\(String(format: "%02d", commit % 28 + 1))"],
                            size: 1_000_000, modificationTime: now, dataChange: true, stats: stats.json)))
            }
            actions.append(
                .transaction(DeltaTransaction(appID: "bench:transactions:\(commit % 4)", version: Int64(commit))))
            actions.append(.commitInfo(DeltaCommitInfo(timestamp: now, operation: "WRITE")))
            _ = try deltaTable.commitNext(updating: &snapshot) { _ in actions }
            if DeltaTable.isCheckpointDue(snapshot.version) {
                let started = clock.now
                try deltaTable.writeCheckpoint(snapshot, now: now)
                checkpointSeconds.append(seconds(clock.now - started))
            }
        }
        let last = checkpointSeconds.last ?? 0
        print(
            "{\"commits\":\(commits),\"files\":\(snapshot.files.count),\"last_checkpoint_ms\":\(last * 1000)}")
    }

    private func open() throws {
        let clock = ContinuousClock()
        var best = Double.infinity
        var files = 0
        for _ in 0..<rounds {
            let started = clock.now
            let snapshot = try DeltaTable(path: table).snapshot()
            best = min(best, seconds(clock.now - started))
            files = snapshot.files.count
        }
        print("{\"best_ms\":\(best * 1000),\"files\":\(files)}")
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
