import Foundation
import SluiceDelta
import SluiceOffline
import SluiceTesting
import Testing

/// Parquet checkpoints: written every tenth version, read by Sluice, delta-rs and polars in place
/// of the commits they replace; delta-rs's own checkpoints read by Sluice; damage reported.
@Suite("Delta table checkpoints", .timeLimit(.minutes(3)))
struct DeltaCheckpointTests {
    static let apps = (0..<3).map { "fraud:transactions:\($0)" }

    /// The snapshot of `version` from the JSON commits alone, as a table without checkpoints reads.
    static func fromCommits(_ table: DeltaTable, through version: Int64) throws -> DeltaSnapshot {
        var snapshot = DeltaSnapshot()
        for commit in 0...version { try snapshot.apply(try table.actions(of: commit), version: commit) }
        return snapshot
    }

    static func expectSame(_ read: DeltaSnapshot, _ replayed: DeltaSnapshot) {
        #expect(read.version == replayed.version)
        #expect(read.files == replayed.files)
        #expect(read.transactions == replayed.transactions)
        #expect(read.metadata == replayed.metadata)
        #expect(read.protocolVersions == replayed.protocolVersions)
        #expect(read.tombstones.mapValues(\.deletionTimestamp) == replayed.tombstones.mapValues(\.deletionTimestamp))
        #expect(read.tombstones.mapValues(\.partitionValues) == replayed.tombstones.mapValues(\.partitionValues))
    }

    @Test("every tenth version gets a checkpoint; with commits 0-20 deleted, Sluice, delta-rs and polars read it all")
    func checkpointsReplaceCommits() async throws {
        let (folder, table) = try DeltaTableTests.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        var snapshot = DeltaSnapshot()
        var first = 0
        var added: [DeltaAddFile] = []
        for index in 1...25 {
            let file = try DeltaTableTests.dataFile(
                table, date: index % 2 == 0 ? "2026-12-01" : "2026-12-02", first: first, rows: 20)
            first += 20
            var actions: [DeltaAction] = [
                .add(file), .transaction(DeltaTransaction(appID: Self.apps[index % 3], version: Int64(index * 100))),
                .commitInfo(DeltaCommitInfo(timestamp: now, operation: "WRITE")),
            ]
            if index == 15 {
                // A tombstone: the file of version 3 leaves the table.
                let gone = added[2]
                actions.append(
                    .remove(
                        DeltaRemoveFile(
                            path: gone.path, deletionTimestamp: now, dataChange: true,
                            partitionValues: gone.partitionValues, size: gone.size, stats: nil)))
            }
            added.append(file)
            let version = try table.commitNext(updating: &snapshot) { _ in actions }
            if let version, DeltaTable.isCheckpointDue(version) { try table.writeCheckpoint(snapshot, now: now) }
        }
        let log = table.logPath
        for version in [10, 20] {
            #expect(FileManager.default.fileExists(atPath: log + "/" + DeltaLogFiles.checkpoint(Int64(version))))
        }
        let pointer = try String(contentsOfFile: log + "/_last_checkpoint", encoding: .utf8)
        #expect(pointer.contains("\"version\":20"), "\(pointer)")

        let replayed = try Self.fromCommits(table, through: 25)
        #expect(replayed.files.count == 24 && replayed.tombstones.count == 1)
        Self.expectSame(try table.snapshot(), replayed)
        Self.expectSame(try table.snapshot(version: 12), try Self.fromCommits(table, through: 12))

        for version in 0...20 {
            try FileManager.default.removeItem(atPath: log + "/" + DeltaLogFiles.commit(Int64(version)))
        }
        Self.expectSame(try table.snapshot(), replayed)
        #expect(try table.snapshot(version: 20).files.count == 19)
        var updated = DeltaSnapshot()
        try table.update(&updated)
        #expect(updated.version == 25 && updated.files == replayed.files)
        // Vacuum starts from the oldest checkpoint the remaining commits follow: with every version
        // before its cutoff, only the file removed at version 15 may go.
        let vacuum = try DeltaVacuum.run(path: table.path, retain: 0, now: now + 86_400_000, dryRun: true)
        #expect(vacuum.deleted == [added[2].path], "\(vacuum.deleted)")
        let gone = #expect(throws: DeltaLogError.self) { try table.snapshot(version: 5) }
        #expect(gone?.message.contains("can no longer be read") == true, "\(gone?.message ?? "")")

        let outside = try await DeltaTableTests.read(table, apps: Self.apps)
        #expect(outside.version == 25)
        #expect(outside.rows.count == 24 * 20 && outside.polarsRows == 24 * 20)
        #expect(Set(outside.files) == Set(replayed.files.keys))
        for app in Self.apps {
            #expect(outside.transactions[app] == .some(replayed.transactions[app]?.version), "\(app)")
        }
    }

    @Test("a checkpoint delta-rs wrote reads in Sluice with the commits it replaces deleted")
    func deltaRsCheckpoint() async throws {
        let (folder, table) = try DeltaTableTests.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var snapshot = DeltaSnapshot()
        for index in 1...4 {
            let file = try DeltaTableTests.dataFile(table, date: "2026-12-0\(index)", first: index * 50, rows: 50)
            _ = try table.commitNext(updating: &snapshot) { _ in
                [
                    .add(file), .transaction(DeltaTransaction(appID: Self.apps[index % 3], version: Int64(index))),
                    .commitInfo(DeltaCommitInfo(timestamp: 1_796_000_000_000, operation: "WRITE")),
                ]
            }
        }
        struct Written: Decodable { var version: Int64 }
        let written = try await PythonTools.runJSON(
            "delta_reference.py", ["checkpoint", table.path], as: Written.self)
        #expect(written.version == 4)
        let replayed = try Self.fromCommits(table, through: 4)
        for version in 0...4 {
            try FileManager.default.removeItem(atPath: table.logPath + "/" + DeltaLogFiles.commit(Int64(version)))
        }
        let read = try table.snapshot()
        Self.expectSame(read, replayed)
        #expect(read.files.count == 4 && read.rowCount == 200)
    }

    @Test("a damaged checkpoint: an error that names the file and what to do")
    func damagedCheckpoint() throws {
        let (folder, table) = try DeltaTableTests.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var snapshot = DeltaSnapshot()
        for index in 1...10 {
            let file = try DeltaTableTests.dataFile(table, date: "2026-12-01", first: index * 10, rows: 10)
            _ = try table.commitNext(updating: &snapshot) { _ in [.add(file)] }
        }
        try table.writeCheckpoint(snapshot, now: 1_796_000_000_000)
        let path = table.logPath + "/" + DeltaLogFiles.checkpoint(10)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: DeltaLogError.self) { try table.snapshot() }
        #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("delete it to read the JSON commits instead") == true)
    }
}

/// Compactions racing each other and an appending writer on one table.
@Suite("Delta table compaction under concurrent commits", .timeLimit(.minutes(3)))
struct DeltaCompactionRaceTests {
    @Test("two compactions and an appending writer at once: no row lost or doubled, a losing compaction leaves nothing")
    func compactionsRaceAWriter() async throws {
        let (folder, table) = try DeltaTableTests.makeTable()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var next = 0
        for _ in 0..<12 {
            let file = try DeltaTableTests.dataFile(table, date: "2026-12-01", first: next, rows: 40)
            next += 40
            _ = try table.commitNext { _ in [.add(file)] }
        }
        let appended = try (0..<6).map { index in
            try DeltaTableTests.dataFile(table, date: "2026-12-01", first: next + index * 40, rows: 40)
        }
        let total = next + appended.count * 40

        let outcomes = ConcurrentOutcomes()
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for name in ["compaction A", "compaction B"] {
            done.enter()
            Thread {
                start.wait()
                do {
                    let result = try DeltaCompaction.run(
                        path: table.path, targetBytes: 1 << 30, date: nil, now: 1_796_000_100_000)
                    outcomes.record(name, result.version.map { "committed \($0)" } ?? "nothing to do")
                } catch {
                    outcomes.record(name, "refused: \(error)")
                }
                done.leave()
            }.start()
        }
        done.enter()
        Thread {
            start.wait()
            for file in appended {
                do {
                    _ = try table.commitNext { _ in [.add(file)] }
                } catch {
                    outcomes.record("writer", "failed: \(error)")
                }
            }
            done.leave()
        }.start()
        for _ in 0..<3 { start.signal() }
        done.wait()

        let results = outcomes.all
        print("compaction race: \(results.sorted { $0.key < $1.key })")
        #expect(results["writer"] == nil, "\(results)")
        #expect(results.values.contains { $0.hasPrefix("committed") }, "\(results)")
        let snapshot = try table.snapshot()
        #expect(snapshot.rowCount == Int64(total))
        // Every Parquet file on disk is in the table or a tombstone: a compaction that lost wrote
        // nothing that stays.
        let onDisk = try FileManager.default.subpathsOfDirectory(atPath: table.path).filter {
            $0.hasSuffix(".parquet") && !$0.hasPrefix("_delta_log")
                && !($0 as NSString).lastPathComponent.hasPrefix(".")
        }
        let known = Set(snapshot.files.keys).union(snapshot.tombstones.keys)
        #expect(onDisk.filter { !known.contains($0) }.isEmpty, "\(onDisk.filter { !known.contains($0) })")

        let outside = try await DeltaTableTests.read(table)
        #expect(outside.rows.count == total && outside.polarsRows == total, "\(results)")
        let ids = outside.rows.compactMap { $0["event_id"] ?? nil }
        #expect(Set(ids).count == total, "a row is doubled")
    }
}

/// What each racing thread ended with.
final class ConcurrentOutcomes: @unchecked Sendable {  // Guarded by `lock`.
    private let lock = NSLock()
    private var outcomes: [String: String] = [:]

    func record(_ who: String, _ outcome: String) {
        lock.lock()
        outcomes[who] = outcome
        lock.unlock()
    }

    var all: [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes
    }
}
